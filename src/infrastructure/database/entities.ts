import { AgencyEntity } from '../../identity/agencies/agency.entity';
import { ApiClientEntity } from '../../identity/api-clients/api-client.entity';
import { AuthFailureEntity } from '../../identity/auth/auth-failure.entity';
import { UserEntity } from '../../identity/users/user.entity';

/** Every entity, registered once for the app and the migration CLI. */
export const ENTITIES = [AgencyEntity, UserEntity, ApiClientEntity, AuthFailureEntity];
