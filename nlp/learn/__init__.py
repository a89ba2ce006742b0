"""Training the routing model (scikit-learn, scipy): only `qungong nlp train`, crossval and the retrain job load it.

Lives here: the design matrices (TF-IDF blocks, lexicon and rule cues), the cross-fitted calibration
(a multinomial logistic combiner of a LinearSVC and a naive Bayes fitted on held-out folds), the
threshold chosen for a target precision, the export to `nlp.model.RoutingModel`, and the plain
TF-IDF + LinearSVC baseline the benchmarks compare with.

Imports: numpy, scipy, scikit-learn and the rest of `nlp/`; nothing imports this package at import
time (callers import it inside the function that trains), so serving never loads scikit-learn.
"""
