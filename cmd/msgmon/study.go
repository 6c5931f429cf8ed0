package main

import (
	"io"

	"github.com/msgmon/msgmon/datasets/study"
)

// studyOptions are the study.Options of a command's flags: notes to
// stderr, the progress bar too unless quiet or stderr is no terminal,
// and the shard the command runs (nil or unresolved: the whole study).
func studyOptions(db string, parallel, workers int, quiet bool, shard *shardOptions, stderr io.Writer) study.Options {
	o := study.Options{DB: db, Parallel: parallel, Workers: workers, Version: version(), Log: stderr}
	if shard != nil {
		o.Shard = shard.run
	}
	if isTerminal(stderr) {
		o.Status = stderr
		if !quiet {
			o.Progress = stderr
		}
	}
	return o
}
