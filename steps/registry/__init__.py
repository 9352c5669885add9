from steps.registry.gate_model import gate_model
from steps.registry.model_card import model_card
from steps.registry.promote_model import promote_model
from steps.registry.register_model import register_model

__all__ = ["gate_model", "model_card", "promote_model", "register_model"]
