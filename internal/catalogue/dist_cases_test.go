package catalogue_test

// distCases are the catalogue's misuses of dist.
func distCases() []badInput {
	return nil
}
