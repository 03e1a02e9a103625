"""Numbing agents and a patient's anaesthetic allergies: which ingredients the allergies name, and which
of them an agent contains. Pure: no Django. The agents and ingredients are the protocol's [numbing].

The one place that reads allergy words against numbing ingredients (screening's own allergen matching
may later feed it):

>>> numbing = numbing_of(load_default())
>>> sorted(allergens_in(["Xylocaine (rash)"], numbing))
['lidocaine']
>>> sorted(contained(numbing, "lido_tetra", {"lidocaine"}))
['lidocaine']
>>> contained(numbing, "tetracaine_4", {"lidocaine"})
set()
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from needlecare.protocols import Protocol, load_default
from needlecare.protocols.loader import Numbing, NumbingAgent

# The screening rule whose finding says the patient is allergic to a topical anaesthetic.
ALLERGY_RULE = "anaesthetic_allergy"


def numbing_of(protocol: Protocol) -> Numbing:
    """The protocol's numbing agents; a protocol stored before they were data uses the default's."""
    numbing = protocol.numbing or _default_numbing()
    assert numbing is not None  # the default protocol has [numbing] (tested)
    return numbing


@cache
def _default_numbing() -> Numbing | None:
    return load_default().numbing


@cache
def _word(name: str) -> re.Pattern[str]:
    # A whole word, ignoring case; digits may follow ("LMX4"), a plural "s" may follow.
    return re.compile(rf"(?<![a-z]){re.escape(name.lower())}s?(?![a-z])")


def _names(text: str, words: Iterable[str]) -> bool:
    low = text.lower()
    return any(_word(word).search(low) for word in words if word.strip())


def allergens_in(allergies: Iterable[str], numbing: Numbing) -> set[str]:
    """The ingredient keys that a patient's allergies (in their own words) name: an ingredient by its
    key, label or synonyms, a product by its label or names (all its ingredients), and a general word
    ("local anaesthetic", "numbing cream") every ingredient.

    >>> sorted(allergens_in(["EMLA cream", "nickel"], numbing_of(load_default())))
    ['lidocaine', 'prilocaine']
    """
    found: set[str] = set()
    for allergy in allergies:
        if not isinstance(allergy, str) or not allergy.strip():
            continue
        if _names(allergy, numbing.any_anaesthetic):
            found |= set(numbing.ingredients)
        for key, ingredient in numbing.ingredients.items():
            if _names(allergy, [key, ingredient.label, *ingredient.names]):
                found.add(key)
        for agent in numbing.agents.values():
            if allergy.strip().lower() == agent.label.lower() or _names(allergy, agent.names):
                found |= set(agent.ingredients)
    return found


def contained(numbing: Numbing, agent_key: str, allergens: set[str]) -> set[str]:
    """The allergens that the agent contains. An agent whose ingredients are not known ("other") is
    taken to contain every allergen until the practitioner says why it is safe."""
    agent: NumbingAgent | None = numbing.agents.get(agent_key)
    if agent is None or not allergens:
        return set()
    if not agent.ingredients_known:
        return set(allergens)
    return set(agent.ingredients) & allergens


def ingredient_labels(numbing: Numbing, keys: Iterable[str]) -> list[str]:
    """The ingredients' names, sorted: ``["lidocaine", "prilocaine"]``."""
    return sorted(numbing.ingredients[k].label if k in numbing.ingredients else k for k in keys)
