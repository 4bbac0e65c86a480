package main

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/capstan-dev/capstan/site"
)

func newPlaygroundCommand() *cobra.Command {
	addr := "127.0.0.1:8080"
	cmd := &cobra.Command{
		Use:   "playground [--addr 127.0.0.1:8080]",
		Short: "Serve the browser playground: core/sim in WebAssembly, in your browser",
		Long: `playground serves the static playground page (site/, embedded in the
binary) on addr. The simulation runs in the browser, in WebAssembly: the
server only hands out files. Open the printed address.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "capstan playground on http://%s/ (Ctrl-C to stop)\n", ln.Addr())
			err = http.Serve(ln, PlaygroundHandler())
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return err
		},
	}
	cmd.Flags().StringVar(&addr, "addr", addr, "address to listen on")
	return cmd
}

// PlaygroundHandler serves site/'s files, the module as application/wasm
// (for streaming compilation).
func PlaygroundHandler() http.Handler {
	_ = mime.AddExtensionType(".wasm", "application/wasm")
	sub, err := fs.Sub(site.FS, ".")
	if err != nil {
		panic(err)
	}
	files := http.FileServer(http.FS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
