"""Every recipe field changes something: the model, the data, the loop or the samples."""

from __future__ import annotations

import typing

import pytest
import torch
from pydantic import BaseModel

from seqcli.engine import events
from seqcli.engine.start import fresh_training
from seqcli.recipe import Recipe, validate_recipe
from seqcli.tasks import task_for
from tests.conftest import ROOT, merge_sections, tiny_recipe

CPU = torch.device("cpu")


def leaf_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of every leaf field, expanding sections and schedule variants."""
    paths = set()
    for name, field in model.model_fields.items():
        members = [
            arg
            for arg in (typing.get_args(field.annotation) or (field.annotation,))
            for arg in (typing.get_args(arg) or (arg,))
            if isinstance(arg, type) and issubclass(arg, BaseModel)
        ]
        optional = type(None) in typing.get_args(field.annotation)
        if not members or optional:  # an optional section is itself a switch
            paths.add(prefix + name)
        for member in members:
            paths |= leaf_paths(member, f"{prefix}{name}.")
    return paths


def train_events(recipe: Recipe, out) -> list:
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    try:
        return list(trainer)
    finally:
        trainer.folder.release()


def observe(recipe: Recipe, out) -> dict:
    """Everything a field could change, gathered from one short training."""
    stream = train_events(recipe, out)
    steps = [e for e in stream if isinstance(e, events.Step)]
    return {
        "folder": str(stream[0].run_dir.name),
        "parameters": stream[0].parameters,
        "losses": [round(e.loss, 6) for e in steps],
        "lrs": [e.lr for e in steps],
        "evals": [
            (e.step, round(e.metrics["loss"], 6)) for e in stream if isinstance(e, events.Evaluated)
        ],
        "samples": [e.text for e in stream if isinstance(e, events.Sample)],
        "best": stream[-1].summary["best"] if isinstance(stream[-1], events.Finished) else None,
    }


BASE = {
    "train": {
        "steps": 6,
        "eval_every": 3,
        "batch_size": 2,
        "seq_len": 8,
        "lr": 0.02,
        "eval_batches": 4,
    },
    "generate": {"sample_length": 8},
}

# field -> sections to merge into the base recipe so that the field differs from its default
CHANGES = {
    "name": {"name": "other"},
    "seed": {"seed": 8},
    "data.path": {"data": {"path": "SHORT"}},
    "data.tokenizer": {"data": {"tokenizer": "word"}},
    "data.val_fraction": {"data": {"val_fraction": 0.3}},
    "data.test_fraction": {"data": {"test_fraction": 0.3}},
    "model.cell": {"model": {"cell": "gru"}},
    "model.nonlinearity": {"model": {"cell": "rnn", "nonlinearity": "relu"}},
    "model.layers": {"model": {"layers": 2}},
    "model.hidden_size": {"model": {"hidden_size": 24}},
    "model.embedding_size": {"model": {"embedding_size": 8}},
    "model.dropout": {"model": {"dropout": 0.5}},
    "model.tie_weights": {"model": {"tie_weights": True, "embedding_size": 32}},
    "model.forget_bias": {"model": {"forget_bias": 3.0}},
    "model.memory": {"model": {"cell": "rnn", "memory": "through_network"}},
    "model.gate_activation": {"model": {"gate_activation": "hard_sigmoid"}},
    "model.leak": {"model": {"cell": "leaky", "leak": 0.9}},
    "train.batch_size": {"train": {"batch_size": 3}},
    "train.accumulate": {"train": {"accumulate": 2}},
    "train.seq_len": {"train": {"seq_len": 5}},
    "train.windows": {"train": {"windows": "random"}},
    "train.steps": {"train": {"steps": 4}},
    "train.epochs": {"train": {"steps": None, "epochs": 0.001}},
    "train.optimizer": {"train": {"optimizer": "rmsprop"}},
    "train.lr": {"train": {"lr": 0.001}},
    "train.weight_decay": {"train": {"weight_decay": 0.5}},
    "train.momentum": {"train": {"optimizer": "sgd", "momentum": 0.9}},
    "train.schedule.name": {"train": {"schedule": {"name": "cosine"}}},
    "train.schedule.warmup_steps": {"train": {"schedule": {"name": "constant", "warmup_steps": 4}}},
    "train.schedule.min_lr": {"train": {"schedule": {"name": "cosine", "min_lr": 0.01}}},
    "train.schedule.step_size": {"train": {"schedule": {"name": "step", "step_size": 2}}},
    "train.schedule.gamma": {"train": {"schedule": {"name": "step", "step_size": 2, "gamma": 0.1}}},
    "train.schedule.factor": {
        "train": {
            "eval_every": 1,
            "lr": 1e-9,
            "schedule": {"name": "plateau", "patience": 0, "factor": 0.1},
        }
    },
    "train.schedule.patience": {
        "train": {"eval_every": 1, "lr": 1e-9, "schedule": {"name": "plateau", "patience": 0}}
    },
    "train.clip_norm": {"train": {"clip_norm": 0.01}},
    "train.eval_every": {"train": {"eval_every": 2}},
    "train.eval_batches": {"train": {"eval_batches": 1}},
    "train.monitor": {"train": {"monitor": "accuracy"}},
    "train.early_stopping": {
        "train": {"eval_every": 1, "lr": 1e-9, "early_stopping": {"patience": 1}}
    },
    "train.early_stopping.patience": {
        "train": {"eval_every": 1, "lr": 1e-9, "early_stopping": {"patience": 1}}
    },
    "train.early_stopping.min_delta": {
        "train": {"eval_every": 1, "early_stopping": {"min_delta": 10.0}}
    },
    "train.on_nonfinite": {
        "train": {"lr": 1e30, "optimizer": "sgd", "clip_norm": None, "on_nonfinite": "skip"}
    },
    "generate.prime": {"generate": {"prime": "Z"}},
    "generate.temperature": {"generate": {"temperature": 0.2}},
    "generate.top_k": {"generate": {"top_k": 2}},
    "generate.top_p": {"generate": {"top_p": 0.3}},
    "generate.typical_p": {"generate": {"typical_p": 0.3}},
    "generate.sample_length": {"generate": {"sample_length": 3}},
    "generate.greedy": {"generate": {"greedy": True}},
    "generate.repetition_penalty": {"generate": {"repetition_penalty": 5.0}},
}
# Fields whose effect is outside a training run, with where it is tested instead.
ELSEWHERE = {
    "mapping": "with data.format it picks the task; each task's test file trains one",
    "data.format": "with mapping it picks the task; each task's test file trains one",
    "model.direction": "bi is rejected for language models (tests/test_recipe.py)",
    "generate.length": "seqcli generate's default length (tests/test_cli.py)",
    "train.loggers": "the files each logger adds to the run folder (tests/test_logbook.py)",
    "train.max_time": "a spent budget saves and stops the run (tests/test_time_budget.py)",
    "tune": "seqcli tune's search space; train ignores it (tests/test_tune_recipe.py)",
}
# Fields of other tasks' data formats and model options: the test that shows each one acts.
TASK_KNOBS = {
    "model.crf": ("tests/test_crf.py", "test_a_crf_tagger_learns_and_never_breaks_the_scheme"),
    "model.pretrained_embeddings": (
        "tests/test_pretrained_embeddings.py",
        "test_vectors_are_copied_exactly_and_by_lowercase",
    ),
    "data.feature_columns": (
        "tests/test_feature_columns.py",
        "test_a_feature_column_feeds_the_model_what_the_words_cannot",
    ),
    "model.feature_embedding_size": (
        "tests/test_feature_columns.py",
        "test_feature_embedding_size_sets_each_columns_width",
    ),
    "model.freeze_embeddings": (
        "tests/test_pretrained_embeddings.py",
        "test_frozen_vectors_hold_for_n_steps_then_move",
    ),
    "train.precision": (
        "tests/test_precision.py",
        "test_bf16_learns_as_float32_does_and_keeps_float32_weights",
    ),
    "data.value_columns": (
        "tests/test_forecast_data.py",
        "test_value_columns_choose_what_is_forecast",
    ),
    "data.date_column": ("tests/test_forecaster.py", "test_generate_continues_the_dates_as_csv"),
    "data.input_columns": (
        "tests/test_forecast_data.py",
        "test_input_columns_are_read_but_not_forecast",
    ),
    "data.calendar": (
        "tests/test_future_covariates.py",
        "test_calendar_features_tell_the_weekend_a_short_window_cannot",
    ),
    "data.future_columns": (
        "tests/test_future_covariates.py",
        "test_every_step_of_the_horizon_is_forecast_from_the_column_known_ahead",
    ),
    "data.lookback": ("tests/test_forecast_data.py", "test_lookback_and_horizon_shape_the_windows"),
    "data.horizon": ("tests/test_forecast_data.py", "test_lookback_and_horizon_shape_the_windows"),
    "data.test_size": ("tests/test_forecast_data.py", "test_test_size_holds_out_the_last_rows"),
    "data.scaling": ("tests/test_forecast_data.py", "test_scaling_round_trips"),
    "data.season": (
        "tests/test_forecast_data.py",
        "test_season_sets_the_seasonal_naive_lag_and_mase_scale",
    ),
    "data.baseline_window": (
        "tests/test_forecast_evaluation.py",
        "test_a_series_that_is_a_moving_average_ranks_that_baseline_first",
    ),
    "data.series_column": (
        "tests/test_forecast_evaluation.py",
        "test_several_series_train_one_model_and_are_scored_each_and_together",
    ),
    "model.quantiles": (
        "tests/test_forecast_evaluation.py",
        "test_a_quantile_head_covers_about_its_nominal_share",
    ),
    "data.date_format": (
        "tests/test_series_missing.py",
        "test_date_format_reads_them_and_forecasts_continue_them",
    ),
    "data.missing": (
        "tests/test_series_missing.py",
        "test_a_recipe_with_gaps_trains_on_the_interpolated_series",
    ),
    "model.calibrate": (
        "tests/test_forecast_calibration.py",
        "test_calibrated_bands_reach_nominal_coverage_where_the_raw_ones_fall_short",
    ),
    "model.window_norm": (
        "tests/test_forecaster.py",
        "test_window_norm_moves_the_forecast_with_the_level",
    ),
    "model.decomposition": (
        "tests/test_hybrid.py",
        "test_the_untrained_hybrid_forecasts_the_holt_winters_forecast",
    ),
    "model.initial_season": (
        "tests/test_initial_season.py",
        "test_a_window_at_phase_k_reads_the_indices_rotated_by_k",
    ),
    "train.ensemble": (
        "tests/test_ensemble.py",
        "test_the_forecast_is_the_median_of_the_members",
    ),
    "data.auto_ets": (
        "tests/test_forecast_baselines.py",
        "test_auto_ets_is_fitted_only_when_the_recipe_asks",
    ),
    "data.auto_arima": (
        "tests/test_forecast_arima.py",
        "test_auto_arima_is_fitted_only_when_the_recipe_asks",
    ),
    "model.correction_weight": (
        "tests/test_forecast_combination.py",
        "test_half_the_correction_forecasts_the_mean_of_the_network_and_its_baseline",
    ),
    "model.residual_of": (
        "tests/test_residual.py",
        "test_the_untrained_residual_model_forecasts_its_baseline",
    ),
    "generate.min_length": (
        "tests/test_conditioned.py",
        "test_min_length_keeps_generated_names_from_ending_early",
    ),
    "model.condition": (
        "tests/test_conditioned.py",
        "test_the_condition_reaches_the_output_only_when_routed",
    ),
    "data.condition_columns": (
        "tests/test_conditioned.py",
        "test_vector_reader_names_a_missing_column",
    ),
    "data.sequence_column": (
        "tests/test_conditioned.py",
        "test_a_vector_conditioned_generator_learns_the_amplitude",
    ),
    "data.val_path": (
        "tests/test_split_files.py",
        "test_a_classifier_validates_on_the_file_and_learns_words_from_path_alone",
    ),
    "data.test_path": (
        "tests/test_tagger.py",
        "test_evaluate_on_the_test_file_prints_metrics_and_the_baseline",
    ),
    "data.min_freq": ("tests/test_tagger.py", "test_min_freq_sends_rare_words_to_unk"),
    "data.vocab_size": (
        "tests/test_subwords.py",
        "test_a_bpe_language_model_tokenizes_the_same_after_reload",
    ),
    "data.tokenizer_file": (
        "tests/test_subwords.py",
        "test_tokenizer_file_loads_an_existing_model",
    ),
    "data.lowercase": (
        "tests/test_tagger.py",
        "test_lowercase_merges_case_variants_and_applies_when_encoding",
    ),
    "data.label_column": (
        "tests/test_tagged_data.py",
        "test_conllu_label_column_is_chosen_by_name",
    ),
    "data.token_column": ("tests/test_tagged_data.py", "test_columns_token_column_picks_the_token"),
    "model.char_features": (
        "tests/test_tagger.py",
        "test_char_features_add_a_character_encoder_only_when_set",
    ),
    "data.delimiter": ("tests/test_classifier.py", "test_delimiter_and_columns_pick_the_fields"),
    "data.text_column": ("tests/test_classifier.py", "test_delimiter_and_columns_pick_the_fields"),
    "data.header": ("tests/test_classifier.py", "test_header_row_is_not_an_example"),
    "data.class_weights": (
        "tests/test_classifier.py",
        "test_class_weights_setting_reaches_the_loss",
    ),
    "train.folds": (
        "tests/test_folds.py",
        "test_folds_json_means_are_the_per_fold_means_and_a_rerun_skips_finished_folds",
    ),
    "train.fold": ("tests/test_folds.py", "test_train_fold_makes_that_fold_the_validation_split"),
    "data.dedupe": (
        "tests/test_data_quality.py",
        "test_dedupe_keeps_one_of_each_duplicate_and_drops_conflicting_texts_whole",
    ),
    "data.label_type": (
        "tests/test_regressor.py",
        "test_number_labels_make_a_regressor_and_category_labels_a_classifier",
    ),
    "model.pooling": ("tests/test_classifier.py", "test_mean_and_max_pool_over_real_tokens_only"),
    "data.member": (
        "tests/test_seq2seq.py",
        "test_a_zip_with_two_data_members_asks_for_data_member",
    ),
    "data.source_column": ("tests/test_seq2seq.py", "test_the_columns_say_which_side_is_which"),
    "data.target_column": ("tests/test_seq2seq.py", "test_the_columns_say_which_side_is_which"),
    "data.normalize": ("tests/test_seq2seq.py", "test_normalize_none_keeps_the_text_as_written"),
    "data.max_length": (
        "tests/test_seq2seq.py",
        "test_filters_keep_short_pairs_whose_source_starts_with_a_prefix",
    ),
    "data.source_prefixes": (
        "tests/test_seq2seq.py",
        "test_filters_keep_short_pairs_whose_source_starts_with_a_prefix",
    ),
    "model.attention": (
        "tests/test_seq2seq.py",
        "test_attention_weights_sum_to_one_and_skip_source_padding",
    ),
    "model.bridge": ("tests/test_seq2seq.py", "test_the_bridges_differ_in_parameters_and_output"),
    "train.teacher_forcing": (
        "tests/test_seq2seq.py",
        "test_partial_teacher_forcing_feeds_truth_at_about_that_share_of_steps",
    ),
    "data.task": (
        "tests/test_long_range.py",
        "test_synthetic_models_take_any_cell_depth_and_direction",
    ),
    **{
        f"data.{field}": (
            "tests/test_hopfield.py",
            "test_noise_and_probes_make_the_validation_probes",
        )
        for field in ("noise", "probes")
    },
    **{
        f"data.{field}": ("tests/test_hopfield.py", "test_ink_and_paper_choose_the_characters")
        for field in ("ink", "paper")
    },
    "model.kind": ("tests/test_hopfield.py", "test_kind_picks_the_network_and_its_weights"),
    **{
        f"model.{field}": (
            "tests/test_hopfield.py",
            "test_max_iterations_and_update_decide_whether_a_two_unit_swing_ends",
        )
        for field in ("update", "max_iterations")
    },
    "model.beta": (
        "tests/test_hopfield.py",
        "test_beta_sharpens_the_modern_update_from_a_blend_to_the_nearest_pattern",
    ),
    **{
        f"data.{field}": ("tests/test_audio.py", "test_the_framing_keys_shape_the_frames")
        for field in ("sample_rate", "mels", "window_ms", "hop_ms")
    },
    "data.max_seconds": (
        "tests/test_audio.py",
        "test_max_seconds_refuses_a_longer_recording_naming_it",
    ),
    **{
        f"data.{field}": (
            "tests/test_audio.py",
            "test_test_files_glob_makes_the_test_split_and_labels_come_from_the_name",
        )
        for field in ("name_pattern", "test_files")
    },
    "data.labels_file": (
        "tests/test_audio.py",
        "test_a_labels_table_names_each_file_and_its_label",
    ),
    **{
        f"data.compose{field}": ("tests/test_ctc.py", "test_compose_keys_shape_each_utterance")
        for field in ("", ".length", ".pause_ms", ".gain_db", ".group")
    },
    "data.compose.utterances": (
        "tests/test_ctc.py",
        "test_composed_utterances_join_recordings_of_one_speaker_from_their_own_split",
    ),
    **{
        f"data.augment.{field}": (
            "tests/test_audio_augment.py",
            "test_masks_zero_spans_within_each_recording_and_leave_padding_alone",
        )
        for field in ("time_masks", "time_mask_frames", "freq_masks", "freq_mask_bands")
    },
    "data.augment": (
        "tests/test_audio_augment.py",
        "test_an_augmented_run_resumed_midway_ends_bit_exactly_where_a_straight_one_does",
    ),
    "data.augment.gain_db": (
        "tests/test_audio_augment.py",
        "test_gain_shifts_every_frame_of_a_recording_by_the_same_decibels",
    ),
    "data.augment.noise_snr_db": (
        "tests/test_audio_augment.py",
        "test_noise_adds_power_at_the_signal_to_noise_ratio_asked",
    ),
    "model.subsample": (
        "tests/test_ctc.py",
        "test_subsample_shortens_the_transcribers_output_steps",
    ),
    **{
        f"data.{field}": ("tests/test_long_range.py", "test_synthetic_sizes_come_from_the_recipe")
        for field in ("length", "train_examples", "val_examples", "test_examples")
    },
}
# A plateau's or early stop's baseline compares against a run that has the same eval cadence.
BASELINES = {
    "train.schedule.factor": {
        "train": {"eval_every": 1, "lr": 1e-9, "schedule": {"name": "plateau", "patience": 0}}
    },
    "train.schedule.patience": {
        "train": {"eval_every": 1, "lr": 1e-9, "schedule": {"name": "plateau"}}
    },
    "train.early_stopping": {"train": {"eval_every": 1, "lr": 1e-9}},
    "train.on_nonfinite": {"train": {"lr": 1e30, "optimizer": "sgd", "clip_norm": None}},
    "train.early_stopping.patience": {
        "train": {"eval_every": 1, "lr": 1e-9, "early_stopping": {"patience": 5}}
    },
    "train.early_stopping.min_delta": {"train": {"eval_every": 1, "early_stopping": {}}},
}


def test_every_field_has_a_knob_test():
    assert leaf_paths(Recipe) == set(CHANGES) | set(ELSEWHERE) | set(TASK_KNOBS)


@pytest.mark.parametrize("field", sorted(TASK_KNOBS))
def test_task_knob_tests_exist(field):
    path, name = TASK_KNOBS[field]
    assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8")


def merged(corpus, *changes) -> dict:
    raw = tiny_recipe(corpus)
    for change in (BASE, *changes):
        merge_sections(raw, change)
    return raw


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_changing_a_field_changes_the_run(field, corpus, tmp_path):
    short = tmp_path / "short.txt"
    short.write_text(corpus.read_text(encoding="utf-8")[:3000], encoding="utf-8")
    base = merged(corpus, BASELINES.get(field, {}))
    changed = merged(corpus, BASELINES.get(field, {}), CHANGES[field])
    if changed["data"]["path"] == "SHORT":
        changed["data"]["path"] = str(short)
    before = observe(validate_recipe(base, source="base"), tmp_path / "a")
    after = observe(validate_recipe(changed, source="changed"), tmp_path / "b")
    assert before != after
