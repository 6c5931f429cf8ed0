//go:build !amd64

package sim

// prefetchSlots is a no-op where msgmon has no prefetch instruction.
func prefetchSlots(addr uintptr) {}
