package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/llavero/llavero/internal/identity"
)

// Video holds the settings of registration by video identification.
type Video struct {
	// Documents lists the document types whose holders may identify
	// themselves by video (comma-separated on the command line). DNI by
	// default (empty means that too): policy sends NIE holders, whose
	// documents vary more, to an office.
	Documents  []string
	PhotoMaxMB int           // largest document photo accepted
	VideoMaxMB int           // largest selfie video accepted
	Retention  time.Duration // how long evidence bytes stay after the decision
}

// RegisterVideo adds the video identification settings; RegisterServe
// calls it.
func RegisterVideo(fs *pflag.FlagSet, c *Config) {
	fs.StringSliceVar(&c.Video.Documents, "video-documents", []string{"DNI"}, `document types whose holders may register by video identification (DNI, TIE, EU_CERTIFICATE, PASSPORT; comma-separated)`)
	fs.IntVar(&c.Video.PhotoMaxMB, "video-photo-max-mb", 10, "largest document photo accepted for video identification, in MB")
	fs.IntVar(&c.Video.VideoMaxMB, "video-max-mb", 30, "largest selfie video accepted for video identification, in MB")
	fs.DurationVar(&c.Video.Retention, "video-evidence-retention", 30*24*time.Hour, "how long the photos and video of a video identification are kept after the operator's decision")
}

// validateVideo checks the video settings and puts the document types in
// their canonical form.
func (c *Config) validateVideo(fs *pflag.FlagSet) error {
	if fs != nil && fs.Lookup("video-documents") == nil {
		return nil
	}
	var docs []string
	for _, d := range c.Video.Documents {
		if strings.TrimSpace(d) == "" {
			continue
		}
		t, err := identity.ParseDocType(d)
		if err != nil {
			return fmt.Errorf(`setting --video-documents: %q is not DNI, TIE, EU_CERTIFICATE or PASSPORT`, d)
		}
		docs = append(docs, string(t))
	}
	c.Video.Documents = docs
	// A Config built in code rather than from flags takes the defaults.
	if c.Video.PhotoMaxMB == 0 {
		c.Video.PhotoMaxMB = 10
	}
	if c.Video.VideoMaxMB == 0 {
		c.Video.VideoMaxMB = 30
	}
	if c.Video.Retention == 0 {
		c.Video.Retention = 30 * 24 * time.Hour
	}
	switch {
	case c.Video.PhotoMaxMB < 1 || c.Video.PhotoMaxMB > 100:
		return errors.New("setting --video-photo-max-mb: must be from 1 to 100")
	case c.Video.VideoMaxMB < 1 || c.Video.VideoMaxMB > 500:
		return errors.New("setting --video-max-mb: must be from 1 to 500")
	case c.Video.Retention < 24*time.Hour:
		return errors.New("setting --video-evidence-retention: must be at least 24h (default 720h = 30 days)")
	}
	return nil
}
