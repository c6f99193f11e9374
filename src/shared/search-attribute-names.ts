/** Names of search attributes that code without the Temporal SDK reads (`sweep status` over temporal-wire/). */
export const STAGE_ATTRIBUTE_NAME = 'Stage';
