//go:build !unix

package xades

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
