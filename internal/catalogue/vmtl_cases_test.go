package catalogue_test

// vmtlCases are the catalogue's misuses of vmtl.
func vmtlCases() []badInput {
	return nil
}
