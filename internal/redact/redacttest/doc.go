// Package redacttest checks, for the tests of the packages that redact
// credentials (redact, client, m2m), that no form of a credential shows in
// a text: FindLeak decodes a text every way an upstream may have encoded a
// credential, ErrorTexts lists every text a program may print or log of an
// error, and Forms lists the encodings an upstream may echo a credential
// in. It is written apart from package redact, so that a test does not
// pass only because both share a mistake.
package redacttest
