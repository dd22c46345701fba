package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/wallboard/wallboard/static"
	"github.com/wallboard/wallboard/views"
)

// Names of the asset files the pages link (see static/README.md).
const (
	assetCSS       = "wallboard.css"
	assetPalette   = "palette.css"
	assetJS        = "wallboard.js"
	assetHTMX      = "htmx-2.0.11.min.js"
	assetHTMXWS    = "htmx-ext-ws-2.0.4.min.js"
	assetIdiomorph = "idiomorph-ext-0.8.0.min.js"
)

// assets are the embedded static files, loaded once, served under
// /static/<hash>/ where hash covers every file: a changed file gets a new URL,
// so browsers may cache each URL for a year.
type assets struct {
	hash  string
	files map[string][]byte
}

func loadAssets(fsys fs.FS) (assets, error) {
	a := assets{files: map[string][]byte{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		a.files[p] = b
		return nil
	})
	if err != nil {
		return a, fmt.Errorf("load static assets: %w", err)
	}
	names := make([]string, 0, len(a.files))
	for n := range a.files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(a.files[n]))
		h.Write(a.files[n])
	}
	a.hash = hex.EncodeToString(h.Sum(nil))[:12]
	for _, n := range []string{assetCSS, assetPalette, assetJS, assetHTMX, assetHTMXWS, assetIdiomorph} {
		if _, ok := a.files[n]; !ok {
			return a, fmt.Errorf("load static assets: %s missing", n)
		}
	}
	return a, nil
}

func mustAssets() assets {
	a, err := loadAssets(static.FS())
	if err != nil {
		panic(err) // the files are embedded: missing ones are a build error
	}
	return a
}

func (a assets) url(name string) string { return "/static/" + a.hash + "/" + name }

func (a assets) views() views.Assets {
	return views.Assets{
		CSS:       a.url(assetCSS),
		Palette:   a.url(assetPalette),
		HTMX:      a.url(assetHTMX),
		HTMXWS:    a.url(assetHTMXWS),
		Idiomorph: a.url(assetIdiomorph),
		JS:        a.url(assetJS),
	}
}

// serve answers GET /static/:hash/*. A request for another hash (a page from
// before or after a deploy) still gets the file, but not cached for long.
func (a assets) serve(c echo.Context) error {
	name := path.Clean(strings.TrimPrefix(c.Param("*"), "/"))
	b, ok := a.files[name]
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "no such asset")
	}
	h := c.Response().Header()
	if c.Param("hash") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	return c.Blob(http.StatusOK, ct, b)
}
