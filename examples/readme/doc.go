// Package readme holds the Go code the repository's README.md shows. Its
// tests compile and run every snippet against the stytchtest emulator, and
// check that each Go block of the README appears, verbatim, in them: a
// snippet that no longer compiles or works fails the build.
package readme
