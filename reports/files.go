package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes what write makes to path whole or not at all: into a
// temporary file in path's folder (created if missing), flushed to disk,
// then renamed over path. A failure (of write, or a full disk) leaves
// path as it was and no temporary file behind; a reader never sees half
// a file, and a file that path replaces is never written in place (a hard
// link to it keeps its text).
func WriteFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return fmt.Errorf("reports: %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("reports: %s: %w", path, err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("reports: %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// WriteBytes writes b to path as WriteFile does.
func WriteBytes(path string, b []byte) error {
	return WriteFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// NotebookOutputs are the paths Notebook.Save writes for the notebook
// file path into dir: the HTML page, the Markdown copy and the folder of
// its charts.
func NotebookOutputs(dir, path string) (html, md, charts string) {
	stem := safeStem(path)
	return filepath.Join(dir, stem+".html"), filepath.Join(dir, stem+".md"), filepath.Join(dir, stem+"_files")
}
