from steps.registry.assess_fairness import assess_fairness
from steps.registry.check_rollback import check_rollback
from steps.registry.compile_model import compile_model
from steps.registry.gate_model import gate_model
from steps.registry.model_card import model_card
from steps.registry.promote_model import promote_model
from steps.registry.register_model import register_model
from steps.registry.rollback_champion import rollback_champion

__all__ = [
    "assess_fairness",
    "check_rollback",
    "compile_model",
    "gate_model",
    "model_card",
    "promote_model",
    "register_model",
    "rollback_champion",
]
