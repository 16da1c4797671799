"""Prior sensitivity: grids, PSIS reweighting, tipping points, power-scaling, elicitation."""
