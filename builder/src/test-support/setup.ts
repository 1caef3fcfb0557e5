import { configure } from '@testing-library/react';

// Testing Library's `findBy…` and `waitFor` give up after 1 s by default. Component tests here
// wait for real HTTP replies from loopback servers, which take longer than that on a loaded
// machine, so they wait up to 10 s. A passing wait returns as soon as its condition holds.
configure({ asyncUtilTimeout: 10_000 });
