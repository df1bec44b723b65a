// Package readme holds no code. Its tests keep the README and docs/ true:
// they run the README's examples against the mock (the curl sample, the Go
// test, the Node snippet), compare its list of named scenarios with the
// files, check its layout table against the module's packages, and check
// that docs/contract.md keeps the section anchors the code cites.
package readme
