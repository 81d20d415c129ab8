package dist

import "fmt"

// AtSite records that d is used at the model site named site, so that the
// run-time checks of its computed parameters name the site when a run fails
// (a scale that went negative is then reported as `site "x": dist: invalid
// parameter: Normal: scale …`). probgraph calls it for every sample site;
// wrappers pass the name on to the distributions they wrap. It must be
// called before the graph is compiled.
func AtSite(d Distribution, site string) {
	if l, ok := d.(siteLabeler); ok {
		l.labelSite(site)
	}
}

// siteLabeler is a distribution of this package; wrappers override
// labelSite to reach the distributions inside them.
type siteLabeler interface{ labelSite(site string) }

// siteLabel is the site name a distribution's check ops share: they are
// built before the distribution reaches a site, and read the name when the
// graph is compiled.
type siteLabel struct{ name string }

func (l *siteLabel) get() string {
	if l == nil {
		return ""
	}
	return l.name
}

// site returns the label of b's check ops, creating it on first use.
func (b *base) site() *siteLabel {
	if b.label == nil {
		b.label = &siteLabel{}
	}
	return b.label
}

func (b *base) labelSite(site string) { b.site().name = site }

func (d *IndependentDist) labelSite(site string) { d.base.labelSite(site); AtSite(d.Base, site) }

func (d *ExpandedDist) labelSite(site string) { d.base.labelSite(site); AtSite(d.Base, site) }

func (d *TransformedDist) labelSite(site string) { d.base.labelSite(site); AtSite(d.Base, site) }

func (d *MixtureSameFamilyDist) labelSite(site string) {
	d.base.labelSite(site)
	if d.Mixing != nil {
		AtSite(d.Mixing, site)
	}
	AtSite(d.Component, site)
}

func (d *OneHotCategoricalDist) labelSite(site string) {
	d.base.labelSite(site)
	if d.cat != nil {
		AtSite(d.cat, site)
	}
}

// atSite prefixes a check's error with the site it was raised at, when known.
func atSite(site string, err error) error {
	if err == nil || site == "" {
		return err
	}
	return fmt.Errorf("site %q: %w", site, err)
}
