package catalogue_test

// autoguideCases are the catalogue's misuses of autoguide.
func autoguideCases() []badInput {
	return nil
}
