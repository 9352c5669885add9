"""Training: data -> validated split -> candidates -> best -> registered (and compiled) -> gated -> promoted -> card."""

from zenml import Model, pipeline

from conveyor.config import ModelSection, TrainingParams
from steps import (
    assess_fairness,
    compile_model,
    evaluate_model,
    evaluate_regressor,
    explain_model,
    gate_model,
    load_data,
    model_card,
    promote_model,
    register_model,
    select_best,
    split_data,
    train_candidates,
    validate_data,
)


@pipeline
def training_pipeline(params: TrainingParams, model: ModelSection) -> None:
    """Train every candidate, keep the best, and promote it only if it beats the champion."""
    registry = Model(name=model.name, description=model.description, license=model.license, tags=model.tags)
    features = params.features
    dataset = load_data(source=params.data, seed=params.seed)
    validate_data(
        dataset=dataset, target=params.target, features=features, rules=params.validation, fairness=params.fairness
    )
    train_set, test_set = split_data(
        dataset=dataset,
        target=params.target,
        split=params.split,
        task=params.task,
        seed=params.seed,
        after="validate_data",
    )
    candidates, cv_results = train_candidates(
        train_set=train_set,
        target=params.target,
        features=features,
        candidates=params.candidates,
        selection=params.selection,
        task=params.task,
        seed=params.seed,
    )
    best_model, best_name, leaderboard = select_best(
        candidates=candidates,
        cv_results=cv_results,
        train_set=train_set,
        test_set=test_set,
        target=params.target,
        features=features,
        selection=params.selection,
        task=params.task,
    )
    evaluate = evaluate_model if params.task == "classification" else evaluate_regressor  # the task's pictures
    metrics, _, _ = evaluate(
        model=best_model, best_candidate=best_name, test_set=test_set, target=params.target, features=features
    )
    importance, _ = explain_model(
        model=best_model,
        best_candidate=best_name,
        test_set=test_set,
        target=params.target,
        features=features,
        metric=params.selection.metric,
        explain=params.explain,
        seed=params.seed,
    )
    registered, schema = register_model.with_options(model=registry)(
        model=best_model,
        best_candidate=best_name,
        metrics=metrics,
        train_set=train_set,
        target=params.target,
        features=features,
        source=params.data,
        task=params.task,
        seed=params.seed,
    )
    onnx_parity = compile_model.with_options(model=registry)(
        registered=registered,
        model=best_model,
        test_set=test_set,
        features=features,
        feature_schema=schema,
        onnx=params.onnx,
        seed=params.seed,
    )
    fairness_report, _ = assess_fairness.with_options(model=registry)(
        registered=registered, test_set=test_set, target=params.target, task=params.task, fairness=params.fairness
    )
    decision = gate_model.with_options(model=registry)(
        registered=registered,
        train_set=train_set,
        test_set=test_set,
        target=params.target,
        task=params.task,
        selection=params.selection,
        gate=params.gate,
        seed=params.seed,
        fairness_report=fairness_report,
    )
    promotion = promote_model.with_options(model=registry)(decision=decision, registered=registered)
    model_card.with_options(model=registry)(
        registered=registered,
        metrics=metrics,
        decision=decision,
        promotion=promotion,
        leaderboard=leaderboard,
        feature_schema=schema,
        train_set=train_set,
        test_set=test_set,
        source=params.data,
        seed=params.seed,
        about=model.card,
        importance=importance,
        explain=params.explain,
        onnx_parity=onnx_parity,
    )
