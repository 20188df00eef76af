// Package start holds the end-to-end test of "Start here" (issue 6, item
// 1) on a whole platform: the form lists the procedures of the relying
// parties registered in the store, and the plan and the directory list
// the store's offices. The package has no code of its own; its test uses
// internal/platformtest.
package start
