package catalogue_test

// probgraphCases are the catalogue's misuses of probgraph.
func probgraphCases() []badInput {
	return nil
}
