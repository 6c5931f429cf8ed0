//go:build !linux

package sim

// adviseHuge does nothing where huge pages are not asked for by madvise.
func adviseHuge[T any](s []T) {}
