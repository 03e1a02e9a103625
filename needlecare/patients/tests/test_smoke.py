def test_patient_page_renders_for_a_member(world_a, signed_in):
    client = signed_in(world_a.front_desk)
    response = client.get(f"/patients/{world_a.patient.pk}/")
    assert response.status_code == 200
    assert world_a.patient.family_name in response.content.decode()


def test_patient_list_renders(world_a, signed_in):
    response = signed_in(world_a.owner).get("/patients/")
    assert response.status_code == 200
    assert world_a.patient.family_name in response.content.decode()
