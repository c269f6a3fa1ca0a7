"""Development data, never production's: the demo accounts and hotel (`flask apoa seed-demo`)
and national-scale synthetic data for the map, the compliance pages and the benchmarks
(`flask apoa generate`)."""
