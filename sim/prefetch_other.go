//go:build !amd64

package sim

// prefetch is a no-op where msgmon has no prefetch instruction.
func prefetch(addr, n uintptr) {}
