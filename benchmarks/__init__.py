"""Benchmarks, apart from the product: the synthetic teams, the Curtois & Qu instances and their
independent evaluator, and the page and feed load measurements, all run by ``rota bench``."""
