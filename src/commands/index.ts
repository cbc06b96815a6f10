/**
 * Every command, for oclif's "explicit" discovery strategy (no directory scan at start-up).
 * Command modules import only @oclif/core and flag definitions at load time; each loads its
 * library code when it runs, so `vnflcm --help` and `vnflcm show` start fast.
 */
import Complete from './complete.js';
import Completion from './completion.js';
import Create from './create.js';
import Delete from './delete.js';
import Doctor from './doctor.js';
import Heal from './heal.js';
import Help from './help.js';
import Instantiate from './instantiate.js';
import List from './list.js';
import LockRelease from './lock/release.js';
import LockShow from './lock/show.js';
import OpFail from './op/fail.js';
import OpList from './op/list.js';
import OpRetry from './op/retry.js';
import OpRollback from './op/rollback.js';
import OpShow from './op/show.js';
import OpEvents from './op/events.js';
import PackageAdd from './package/add.js';
import PackageDelete from './package/delete.js';
import PackageList from './package/list.js';
import PackageShow from './package/show.js';
import ParamsInit from './params/init.js';
import RegistryCheck from './registry/check.js';
import Scale from './scale.js';
import Show from './show.js';
import StateExport from './state/export.js';
import StateImport from './state/import.js';
import StateMigrate from './state/migrate.js';
import StateStatus from './state/status.js';
import Terminate from './terminate.js';
import Validate from './validate.js';
import VimDelete from './vim/delete.js';
import VimList from './vim/list.js';
import VimRegister from './vim/register.js';

export const COMMANDS = {
  __complete: Complete,
  completion: Completion,
  create: Create,
  delete: Delete,
  doctor: Doctor,
  heal: Heal,
  help: Help,
  instantiate: Instantiate,
  list: List,
  'lock:release': LockRelease,
  'lock:show': LockShow,
  'op:events': OpEvents,
  'op:fail': OpFail,
  'op:list': OpList,
  'op:retry': OpRetry,
  'op:rollback': OpRollback,
  'op:show': OpShow,
  'package:add': PackageAdd,
  'package:delete': PackageDelete,
  'package:list': PackageList,
  'package:show': PackageShow,
  'params:init': ParamsInit,
  'registry:check': RegistryCheck,
  scale: Scale,
  show: Show,
  'state:export': StateExport,
  'state:import': StateImport,
  'state:migrate': StateMigrate,
  'state:status': StateStatus,
  terminate: Terminate,
  validate: Validate,
  'vim:delete': VimDelete,
  'vim:list': VimList,
  'vim:register': VimRegister,
};
