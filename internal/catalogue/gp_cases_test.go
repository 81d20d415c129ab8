package catalogue_test

// gpCases are the catalogue's misuses of gp.
func gpCases() []badInput {
	return nil
}
