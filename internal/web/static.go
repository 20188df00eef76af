package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// asset is one embedded static file, with the hash that versions its URL.
type asset struct {
	body        []byte
	etag        string
	contentType string
	url         string // /static/NAME?v=HASH
}

// loadAssets reads static/ once: the files never change while the binary
// runs, so their hashes can be computed up front.
func loadAssets() (map[string]*asset, error) {
	assets := make(map[string]*asset)
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		short := hex.EncodeToString(sum[:8])
		name := strings.TrimPrefix(p, "static/")
		ctype := mime.TypeByExtension(path.Ext(name))
		if ctype == "" {
			ctype = http.DetectContentType(body)
		}
		assets[name] = &asset{
			body:        body,
			etag:        `"` + short + `"`,
			contentType: ctype,
			url:         "/static/" + name + "?v=" + short,
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: static assets: %w", err)
	}
	return assets, nil
}

// static serves the embedded assets. Pages link them with a content hash
// in the URL, so a year of caching is safe: a new release links new URLs.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[strings.TrimPrefix(r.URL.Path, "/static/")]
	if !ok {
		s.Error(w, r, WithStatus(http.StatusNotFound, errNotFound))
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("Content-Type", a.contentType)
	h.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
