package catalogue_test

// checkpointCases are the catalogue's misuses of checkpoint.
func checkpointCases() []badInput {
	return nil
}
