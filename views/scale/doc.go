// Package scale holds the dashboard's tests over an org of hundreds of
// apps. They live apart from package views so that go test gives them a
// binary and a timeout of their own, and runs them beside views' tests
// rather than before them: under -race, one list page of 500 apps costs
// minutes of CPU.
package scale
