// Package keystore is the citizen's side of the certificate that never
// talks to the server: the private key made at request time and kept,
// encrypted, on the citizen's own machine until (and after) the download;
// the CSR; the proof of possession signed at download; and the PKCS#12
// backup with the instructions to import it.
//
// The seeds' worst dead end is the key that lived inside a browser profile
// and vanished with an update, leaving a valid application code that can
// never be used. Here the key lives in a plain directory of the user's
// configuration (DefaultDir), independent of any browser; it can be listed,
// found by application, and copied elsewhere, and its absence is reported
// as ErrNotFound with the way out.
//
// # Key files, format version 1
//
// One file per key, named <fingerprint>.json (the fingerprint is the
// lower-case hex SHA-256 of the public key's SubjectPublicKeyInfo), mode
// 0600 in a 0700 directory, holding one JSON object:
//
//	{
//	  "format": "llavero-keystore-key",
//	  "version": 1,
//	  "entry": {
//	    "fingerprint": "<64 hex>", "key_type": "p256" | "rsa2048" | "rsa3072",
//	    "server": "https://…", "id": "<DNI/NIE>", "email": "…",
//	    "created_at": RFC 3339,
//	    "application_expires_at": RFC 3339 (once the server answered),
//	    "certificate_serial": "…" (once downloaded)
//	  },
//	  "encrypted_key": {
//	    "kdf": "argon2id", "kdf_version": 19,
//	    "time": 3, "memory_kib": 65536, "threads": 4,
//	    "salt": base64 (16 random bytes),
//	    "cipher": "AES-256-GCM",
//	    "nonce": base64 (12 random bytes),
//	    "ciphertext": base64 (PKCS#8 DER private key, sealed, 16-byte tag appended)
//	  }
//	}
//
// The AES-256 key is argon2id(passphrase, salt, time, memory_kib, threads,
// 32 bytes), the passphrase taken as UTF-8 in Unicode NFC (bytes that are
// not UTF-8 as they are), so "ñ" typed or pasted either way opens the key.
// The GCM additional data is "llavero-keystore-key/1" NUL fingerprint NUL
// key_type: a sealed key moved into another entry's file, or relabelled,
// does not open; after opening, the key's public half must hash to the
// fingerprint too. The rest of "entry" is not authenticated: it is
// bookkeeping that changes without the passphrase (Update), and a doctored
// value can at worst point a download at an application the key cannot
// prove. Readers refuse other formats and versions, unknown algorithms, and
// parameters beyond t=16, 1 GiB or 64 lanes, before spending any memory.
//
// Files are replaced atomically (temporary file in the same directory,
// fsync, rename, fsync of the directory), and Save reads its file back and
// opens it before returning. On Windows the modes are advisory and the
// protection is the profile's ACL, which is why the encryption does not
// rely on them.
//
// # Cost of a guess
//
// The argon2id parameters are RFC 9106's second recommended option (t=3,
// 64 MiB, 4 lanes): about 100-250 ms on the 2-core reference machine
// (BenchmarkKDF), paid by the citizen once at request and once at download,
// and by an attacker with a stolen file on every guess, with 64 MiB each.
// They are stored per file, so they can be raised later without stranding
// old keys.
//
// A wrong passphrase and an altered ciphertext fail the same way, after the
// same derivation, at the GCM tag, and both are ErrPassphrase: nobody can
// tell them apart, by the answer or by its timing. A file that is not
// well formed fails before the derivation, as ErrCorrupt; that is faster,
// but it reveals only what reading the file would.
//
// # The server side
//
// VerifyChallenge is also used by the registration authority, so this
// package must not depend on terminal handling; passphrase input lives in
// the prompt subpackage.
//
// Secrets are cleared from memory once used (derived keys, PKCS#8 bytes,
// normalized passphrases), which in Go is best effort: the runtime may have
// copied them.
package keystore
