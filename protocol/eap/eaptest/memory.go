package eaptest

import "runtime"

// MemoryInUse is the live heap and the goroutine stacks after a full
// collection, for tests that measure what conversations hold.
func MemoryInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc) + int64(m.StackInuse)
}
