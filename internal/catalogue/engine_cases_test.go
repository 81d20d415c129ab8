package catalogue_test

// engineCases are the catalogue's misuses of engine.
func engineCases() []badInput {
	return nil
}
