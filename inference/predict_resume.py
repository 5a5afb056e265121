"""Whether `predict` (or the app's "Run all") has an image's outputs already (a rerun resumes): every person's
files, counted as the rank logs say the image's last run found them (`inference.batch_log`), the people fitted from a
--box, and whether the scene of all of them is missing or shows other people than the image now holds (the rules are
in `inference/folder_predict.py`'s docstring)."""
from __future__ import annotations

import re
from pathlib import Path

from inference.batch_log import box_note, holds, same_image
from inference.predict_outputs import is_complete, output_paths


def scene_missing(out: Path, stem: str, people: int | None) -> bool:
    """Whether the image with output name `stem`, whose last run found `people` people (None: not on record),
    lacks its STEM_scene.glb (only an image of several people has one)."""
    return (people or 0) > 1 and not (out / f"{stem}_scene.glb").exists()


def scene_stale(out: Path, stem: str, names: dict[int, str], holders: dict) -> bool:
    """Whether the image's STEM_scene.glb, ours (`scene_ours`), shows other people than those it holds now
    (`names`: `present_names`; empty when not on record): a person fitted from a --box whose files the user deleted
    since. A file that is not a scene of ours is left to the user."""
    from inference.scene import scene_people

    target = out / f"{stem}_scene.glb"
    if not names or not target.is_file() or not scene_ours(holders, stem):
        return False
    try:
        shown = scene_people(target)
    except (OSError, ValueError):
        return False
    if not all(re.fullmatch(r"person [0-9]+", n) for n in shown):  # named otherwise: the user's own file
        return False
    return shown != tuple(f"person {n}" for n in names)


def present_names(out: Path, stem: str, person: int, people: int | None, searched: int | None) -> dict[int, str]:
    """{person N: output name} of the people an image holds now: `person_names` up to `people` (the rank logs'
    highest person number), less the people beyond the search's own count `searched` whose parameter file is gone
    (people a user boxed, then deleted: boxed 5 deleted while boxed 6 stays leaves a gap). {} without a count."""
    if people is None:
        return {}
    return {n: o for n, o in person_names(stem, person, people).items()
            if n == person or n <= (searched or 0) or (out / f"{o}.npz").is_file()}


def person_names(stem: str, person: int, people: int) -> dict[int, str]:
    """{person N (from 1): its output name} for an image of `people` people fitted with --all-people: the
    --person one under the image's own name `stem`, each other under STEM_pN."""
    return {n: stem if n == person else f"{stem}_p{n}" for n in range(1, people + 1)}


def finished(out: Path, stem: str, mesh_formats: list[str], all_people: bool = False, person: int = 1,
             people: int | None = None, holders: dict | None = None, image: Path | None = None,
             boxed: dict | frozenset = frozenset(), searched: int | None = None) -> bool:
    """Whether the image with output name `stem` is done and a rerun skips it: its outputs are all there
    (`is_complete`) and hold the person asked for (`holds`); with --all-people also those of each other person
    N (STEM_pN) of the `people` its last run found (the rank logs' count, `inference.batch_log.people_logged`). An
    image whose count is not on record (None) is not finished: it is predicted again, and only the people
    whose outputs are missing are written. A person beyond the search's own count `searched` fitted from a --box
    (`boxed`: the rank logs' boxed outputs) is there with their parameter file (`boxed_there`: the search does not
    find them to write the rest, `note_boxed_short` says how), and gone when the user deleted it
    (`present_names`). The image's STEM_scene.glb is not looked at here: a scene that is missing or out of date
    alone is made from the people's files (`scene_missing`, `scene_stale`, `folder_predict.from_files`)."""

    if not person_there(out, stem, person, mesh_formats, holders, image, boxed, searched):
        return False
    if not all_people:
        return True
    if people is None:
        return False
    return all(person_there(out, o, n, mesh_formats, holders, image, boxed, searched)
               for n, o in present_names(out, stem, person, people, searched).items() if n != person)


def person_there(out: Path, name: str, person: int, mesh_formats: list[str], holders: dict | None,
                 image: Path | None, boxed, searched: int | None) -> bool:
    """Person `person` of `image` is there under output name `name`: their files all there (`kept`), or, for a
    person a --box fitted beyond the search's own count `searched` (`boxed`: the rank logs' boxed outputs), their
    parameter file (`boxed_there`)."""
    return kept(out, name, mesh_formats, holders, image, person) or (
        name in boxed and person > (searched or 0) and boxed_there(out, name, holders, image, person))


def boxed_there(out: Path, name: str, holders: dict | None, image: Path | None, person: int) -> bool:
    """A person fitted from a --box is kept while their parameter file NAME.npz is there and holds person `person`
    of `image` (the rank logs, `holders`): the one presence test of the count (`inference.batch_log`), the
    scene (made from the .npz) and the resume. Their other files follow the --mesh-formats of their own run."""
    held = (holders or {}).get(name)
    return (out / f"{name}.npz").is_file() and (held is None or image is None or holds(held, image, person))


def boxed_people(out: Path, stem: str, image: Path, holders: dict, boxed: dict) -> list[tuple[int, str, str]]:
    """[(person K, output name, box note)] of the people of `image` (output name `stem`) fitted from a --box whose
    parameter file is there (`boxed_there`), by K."""
    found = []
    for o, note in boxed.items():
        held = holders.get(o)
        k = held.person if held is not None and same_image(held, image) else None
        if k is not None and (o == stem or re.fullmatch(re.escape(stem) + r"_p\d+", o)) and boxed_there(
                out, o, holders, image, k):
            found.append((k, o, note))
    return sorted(found)


def note_boxed_short(out: Path, stem: str, image: Path, mesh_formats: list[str], holders: dict,
                     boxed: dict, searched: int | None, say=print) -> None:
    """Say (`say`) how to complete the files of a person of `image` boxed beyond the search's own count `searched` that
    lacks some of this run's --mesh-formats: the search does not find them, their box does."""
    import shlex

    for k, o, note in boxed_people(out, stem, image, holders, boxed):
        if k <= (searched or 0):
            continue
        missing = [q.name for q in output_paths(out / o, mesh_formats, people=False) if not q.exists()]
        if missing:
            command = shlex.join(["python", "main.py", "predict", str(image), "--out", str(out), *note.split(),
                                  "--mesh-formats", ",".join(mesh_formats)])
            say(f"note: {image}: {o} (fitted from {note}) lacks {', '.join(missing)}: `{command}` (with this "
                  "run's other options) writes them")


def boxed_before(out: Path, stem: str, image: Path, box, mesh_formats: list[str], holders: dict,
                 boxed: dict) -> tuple[str, int] | None:
    """(output name, person) of the person an earlier `--box` with this very box fitted in `image` (output name
    `stem`: STEM or STEM_pK, as the rank logs know: `boxed`, `holders`), when their outputs are all there; None
    otherwise (the box is searched and fitted: a box around someone else is known only once they are found)."""
    for k, o, note in boxed_people(out, stem, image, holders, boxed):
        if note == box_note(box) and kept(out, o, mesh_formats, holders, image, k):
            return o, k
    return None


def kept(out: Path, name: str, mesh_formats: list[str], holders: dict | None, image: Path | None,
         person: int) -> bool:
    """Output name `name`'s files are all there and hold person `person` (counted from 1) of `image`, as far
    as the rank logs know (`inference.batch_log.written_logged`: `holders`; a name not on record counts as holding
    it, as files written before the logs existed do)."""
    if not is_complete(out / name, mesh_formats):
        return False
    held = (holders or {}).get(name)
    if held is None or image is None:
        return True
    return holds(held, image, person)


def searched(p) -> int:
    """How many of a prediction's people the search found: `p.people` less those a user boxed
    (`Predictor.predict_box`, `Predictor.recall_boxes`), who are listed after them."""
    return sum(not q.boxed for q in p.people)


def scene_ours(holders: dict, name: str) -> bool:
    """Whether NAME_scene.glb may be written or removed for the image with output name `name`: not when the rank
    logs record it as another image's output (a photo NAME_scene.jpg run into the folder on its own)."""
    return holders.get(f"{name}_scene") is None


def boxed_beyond(ctx, path: Path, name: str, found: int) -> list[int]:
    """The people K > `found` of the image `path` (output name `name`) whose outputs NAME_pK hold a person a user
    boxed (`predict --box`, as the rank logs know: `ctx.boxed`, `ctx.holders`) and are there (`boxed_there`)."""
    return [k for k, o, _ in boxed_people(ctx.job.out, name, path, ctx.holders, ctx.boxed)
            if k > found and o != name]
