"""Managers' figures: `rollup` builds the reporting tables from the notices on a schedule,
`figures` sums them for a filter, `charts` lays them out as SVG."""
