package catalogue_test

// inferCases are the catalogue's misuses of infer.
func inferCases() []badInput {
	return nil
}
