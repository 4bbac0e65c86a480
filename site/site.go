// Package site is the playground's static files: index.html, the
// scripts, the WASI shim and capstan.wasm (committed; `make wasm`
// rebuilds it). They need no build step and no server logic: any static
// file server will do. `capstan playground` serves FS.
package site

import "embed"

// FS holds the page's files.
//
//go:embed index.html style.css app.js draw.js examples.js worker.js wasi.js capstan.wasm
var FS embed.FS
