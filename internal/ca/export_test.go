package ca

// UseFastKDF makes new keys of s cheap to derive. Only tests may call it:
// the real parameters cost about 160 ms a key, which a suite that opens
// dozens of CAs, under the race detector, cannot afford. One test keeps the
// real ones.
func (s *FileKeyStore) UseFastKDF() {
	s.kdf = kdfParams{Name: "argon2id", Time: 1, MemoryKiB: 64, Threads: 1}
}
