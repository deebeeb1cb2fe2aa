// Users and contacts share one SIP address space and one number space: together they are the
// principals a call can be routed to.
import * as z from 'zod';
import { ContactSchema, type Contact } from './contact.js';
import { UserSchema, type User } from './user.js';

export const PrincipalSchema = z.discriminatedUnion('type', [UserSchema, ContactSchema]);
export type Principal = User | Contact;
