from steps.training.evaluate_model import evaluate_model
from steps.training.evaluate_regressor import evaluate_regressor
from steps.training.explain_model import explain_model
from steps.training.select_best import select_best
from steps.training.train_candidates import train_candidates

__all__ = ["evaluate_model", "evaluate_regressor", "explain_model", "select_best", "train_candidates"]
