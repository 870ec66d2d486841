#!/usr/bin/env bash
# The measurements that need an otherwise idle machine (llama.cpp's speed collapses under any other load), in the
# order they unblock issues. Each step is resumable: finished trials come back from the trial cache, so stop with
# Ctrl-C and run this again. Run from the repository root: bash experiments/idle-sitting/run.sh [STEP...]
# Steps: harness8 harness6 packages ladder evidence (default: harness8 evidence; ladder was done 2026-12-08). experiments/harness-v7 was
# made by this script's harness7 step at e9e7ae9 (seed side only).
set -euo pipefail
cd "$(dirname "$0")/../.."
EVOLVE=.venv/bin/evolve
SIX=(--goal stimulus-evoked-response --goal conduction-delay --goal connectivity-normalisation --goal wong-wang-fc
     --goal bold-monitor --goal stochastic-vs-deterministic)
steps=("${@:-harness8 evidence}")
read -r -a steps <<< "${steps[*]}"

for step in "${steps[@]}"; do
  case "$step" in
    harness8)  # issue 14: harness 8 (harness 7 + statement-alone resamples), the seed side first, then no skills
      $EVOLVE ablate --condition seed --seeds 3 "${SIX[@]}" \
        --archive experiments/harness-v8/seed.duckdb --out experiments/harness-v8/seed.jsonl
      $EVOLVE ablate --condition none --seeds 3 "${SIX[@]}" \
        --archive experiments/harness-v8/none.duckdb --out experiments/harness-v8/none.jsonl ;;
    harness6)  # issue 14: the harness-v3 ablation again, same cells, with harness 6 (3 turns)
      $EVOLVE ablate --condition none --condition seed --seeds 3 "${SIX[@]}" \
        --archive experiments/harness-v6/ablation.duckdb --out experiments/harness-v6/ablation.jsonl
      $EVOLVE sql --run experiments/harness-v6/ablation.duckdb --query turn_rescue
      $EVOLVE sql --run experiments/harness-v6/ablation.duckdb --query truncation ;;
    packages)  # issue 20 item 5: the seed as prose only (the library before packages, 35d1ad3) vs with packages
      rm -rf /tmp/evolve-prose-seed && mkdir -p /tmp/evolve-prose-seed
      git archive 35d1ad3 skills | tar -x -C /tmp/evolve-prose-seed
      $EVOLVE ablate --condition prose=/tmp/evolve-prose-seed/skills --condition seed --seeds 3 "${SIX[@]}" \
        --archive experiments/packages/ablation.duckdb --out experiments/packages/ablation.jsonl ;;
    ladder)  # issue 21: seed vs no skills, one turn (as runs score): every val goal at 2 seeds, then the train and
             # test goals no archive had measured at 1 seed; then the ladder re-made from every archive
      LADDER=(--config experiments/ladder/one-turn.toml)
      $EVOLVE "${LADDER[@]}" ablate --condition none --condition seed --seeds 2 --split val \
        --archive experiments/ladder/val.duckdb --out experiments/ladder/val.jsonl
      $EVOLVE "${LADDER[@]}" ablate --condition none --condition seed --seeds 1 \
        --goal alzheimers-abeta-excitability --goal cabral-metastability --goal coupling-transition \
        --goal delay-collective-frequency --goal depth-electrode-localisation --goal eeg-alpha \
        --goal epilepsy-x0-inference --goal epileptor-focus --goal fc-sc-criticality --goal hopf-bifurcation-amplitude \
        --goal jansen-rit-alpha --goal lesion-effect --goal paired-pulse-inhibition --goal parameter-space-exploration \
        --goal persistent-activity --goal qif-bistability --goal resting-rhythm --goal rtms-depression \
        --goal scalp-paradoxical-lateralisation --goal sensor-modalities --goal sinusoidal-entrainment \
        --goal stroke-lesion --goal tumour-virtual-resection --goal wilson-cowan-coupling \
        --goal wong-wang-exc-inh-coupling \
        --archive experiments/ladder/rest.duckdb --out experiments/ladder/rest.jsonl
      $EVOLVE goals ladder --archive experiments/harness-v3/ablation.duckdb \
        --archive experiments/2026-12-evidence/evolution.duckdb --archive experiments/ladder/val-thin.duckdb \
        --archive experiments/ladder/val.duckdb --archive experiments/ladder/rest.duckdb \
        --save goals/ladder.toml ;;
    evidence)  # issue 18 item 5: the evolution arm, then the GEPA arm (each resumes where it stopped)
      rm -f .evolve/STOP
      $EVOLVE --config configs/evidence.toml run --resume --allow-config-change
      $EVOLVE --config configs/evidence-gepa.toml run ;;
    *) echo "unknown step '$step' (harness8 harness6 packages ladder evidence)" >&2; exit 2 ;;
  esac
done
