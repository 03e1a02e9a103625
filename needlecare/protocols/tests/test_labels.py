"""One label map: every page, answer and template tag turns a protocol key into the same words."""

from needlecare.protocols import load_default
from needlecare.protocols.labels import label_of, labels_for


def test_a_key_reads_as_the_protocols_label_and_an_unknown_key_in_words():
    protocol = load_default()
    labels = labels_for(protocol)
    assert labels["perioral"] == protocol.zones["perioral"].label
    assert set(labels) == {*protocol.devices, *protocol.zones, *protocol.indications}
    assert label_of(labels, "perioral") == protocol.zones["perioral"].label
    assert label_of(labels, "old_zone") == "old zone"
    assert label_of(labels, "old_zone", capitalise=True) == "Old zone"


def test_labels_of_some_groups_only_hold_those_groups():
    protocol = load_default()
    assert set(labels_for(protocol, ["indications"])) == set(protocol.indications)
