"""Evaluation: what did the model learn, and is it worth anything?

One idea per module, each usable on its own from a notebook:

- :mod:`~sslcore.eval.features`: frozen features of a set of images, batched.
- :mod:`~sslcore.eval.knn`: the weighted kNN classifier of the SSL literature (also the live
  monitor during training).
- :mod:`~sslcore.eval.linear_probe`: a linear classifier on frozen, standardised features.
- :mod:`~sslcore.eval.splits`: class-balanced, seeded subsets of the labels.
- :mod:`~sslcore.eval.finetune`: train the whole backbone with a linear head on a few labels
  (and the supervised-from-scratch baseline).
- :mod:`~sslcore.eval.label_efficiency`: accuracy against the fraction of labels.
- :mod:`~sslcore.eval.probes`: which generative factors (shape, colour, size, ...) a
  representation keeps.
- :mod:`~sslcore.eval.collapse`: collapse diagnostics (std, RankMe, alignment, uniformity).
- :mod:`~sslcore.eval.neighbours`: the nearest images of a query.
- :mod:`~sslcore.eval.projection`: UMAP, PCA and t-SNE maps that evolve smoothly frame to frame.
- :mod:`~sslcore.eval.run_eval`: all of the above on a run directory (the CLI and the dashboard).

Nothing is imported here, so ``import sslcore.eval.knn`` stays light (UMAP and scikit-learn
are only loaded by the modules that need them).
"""
