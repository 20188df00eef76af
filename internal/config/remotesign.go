package config

import (
	"errors"
	"time"

	"github.com/spf13/pflag"
)

// RemoteSign holds the settings of remote signing (relying parties'
// signature requests and the /sign page).
type RemoteSign struct {
	TTL      time.Duration // how long a request waits for the person
	PDFMaxMB int           // largest PDF the /sign page takes
}

// RegisterRemoteSign adds the remote-signing settings; RegisterServe
// calls it.
func RegisterRemoteSign(fs *pflag.FlagSet, c *Config) {
	fs.DurationVar(&c.RemoteSign.TTL, "sign-request-ttl", 5*time.Minute, "how long a remote signature request waits for the person's approval")
	fs.IntVar(&c.RemoteSign.PDFMaxMB, "sign-pdf-max-mb", 10, "largest PDF a person may upload to sign on /sign, in MB")
}

// validateRemoteSign checks the remote-signing settings.
func (c *Config) validateRemoteSign() error {
	// A Config built in code rather than from flags takes the defaults.
	if c.RemoteSign.TTL == 0 {
		c.RemoteSign.TTL = 5 * time.Minute
	}
	if c.RemoteSign.PDFMaxMB == 0 {
		c.RemoteSign.PDFMaxMB = 10
	}
	switch {
	case c.RemoteSign.TTL < time.Minute || c.RemoteSign.TTL > time.Hour:
		return errors.New("setting --sign-request-ttl: must be from 1m to 1h (default 5m)")
	case c.RemoteSign.PDFMaxMB < 1 || c.RemoteSign.PDFMaxMB > 100:
		return errors.New("setting --sign-pdf-max-mb: must be from 1 to 100")
	}
	return nil
}
