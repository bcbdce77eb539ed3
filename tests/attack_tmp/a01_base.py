from h import *

run("base_own", draw(v2()), "CONCLUIDA/YA_INSCRITO", "ACEPTADA/BAJA_PROCEDENTE", show=True)
run(
    "base_other",
    draw(v2(rows=(OTHER,))),
    "RECHAZADA/VIGENTE_OTRA_INSTITUCION",
    "CONCLUIDA/NO_INSCRITO",
)
run("base_emp", draw(v2(rows=(EMP,))), "ACEPTADA/VIGENTE_CON_PATRON", "CONCLUIDA/NO_INSCRITO")
run(
    "base_nocov",
    draw(v2(rows=(SCHOOL,), servicio="NO", vigencia="---")),
    "ACEPTADA/SIN_VIGENCIA",
    "CONCLUIDA/NO_INSCRITO",
)
