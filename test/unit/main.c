/* Runs every kredir CUnit suite; exits non-zero on any failure. */
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "unit.h"

int
main(void)
{
	unsigned int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite_config();
	suite_spn();
	suite_http();
	suite_session();
	suite_auth();
	suite_ccache();
	suite_farm();
	suite_catalogue();
	suite_metrics();
	suite_check();
	suite_der();
	suite_listen();
	suite_supervise();
	suite_sha256();
	suite_log();
	suite_whoami();
	suite_pac();
	suite_access();
	suite_ident();
	suite_s4u();
	suite_sockdir();
	suite_tlsbind();
	suite_preflight();
	suite_respond();
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_error() != CUE_SUCCESS)
		failed++;
	CU_cleanup_registry();
	return failed == 0 ? 0 : 1;
}
