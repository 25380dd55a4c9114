"""The org tree (county, townships, villages, departments, command HQs) and its people."""
