// Package layout keeps the module's import graph true to its picture: its
// test holds, for every package, the packages of ours it may import, and
// fails on a package it does not know, so the table stays complete. It has
// no code of its own.
package layout
