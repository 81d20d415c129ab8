package catalogue_test

// mcmcCases are the catalogue's misuses of mcmc.
func mcmcCases() []badInput {
	return nil
}
