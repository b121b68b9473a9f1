import { scaffolderApiRef } from '@backstage/plugin-scaffolder-react';
import { identityApiRef } from '@backstage/core-plugin-api';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { AwsHostedZoneName, AwsHostedZonePicker } from './AwsHostedZonePicker';
import { AwsSubnetPicker } from './AwsSubnetPicker';
import { AwsVpcPicker } from './AwsVpcPicker';

const VPC = 'vpc-0a1b2c3d4e5f60718';
const PUBLIC = [
  {
    id: 'subnet-0aaaaaaaaaaaaaaa1',
    title:
      'subnet-0aaaaaaaaaaaaaaa1 · us-east-1a (use1-az1) · 10.20.0.0/24 · public-a',
  },
  {
    id: 'subnet-0aaaaaaaaaaaaaaa2',
    title:
      'subnet-0aaaaaaaaaaaaaaa2 · us-east-1b (use1-az2) · 10.20.1.0/24 · public-b',
  },
];

function api(
  answer: (request: any) => Promise<{ results: any[] }> = async () => ({
    results: [],
  }),
) {
  return { autocomplete: jest.fn(answer) } as any;
}

function props(overrides: Record<string, any>) {
  return {
    onChange: jest.fn(),
    schema: { title: 'Field' },
    uiSchema: {},
    rawErrors: [],
    required: true,
    idSchema: { $id: 'root_field' },
    formContext: { formData: {} },
    formData: undefined,
    ...overrides,
  } as any;
}

async function render(element: JSX.Element, scaffolderApi: any) {
  return renderInTestApp(
    <TestApiProvider
      apis={[
        [scaffolderApiRef, scaffolderApi],
        [identityApiRef, mockApis.identity({ token: 'user-token' })],
      ]}
    >
      {element}
    </TestApiProvider>,
  );
}

describe('AwsVpcPicker', () => {
  it('reads the VPCs of the account and region chosen earlier in the form, and sets the one picked', async () => {
    const scaffolderApi = api(async () => ({
      results: [{ id: VPC, title: `${VPC} · shared · 10.20.0.0/16` }],
    }));
    const p = props({
      schema: { title: 'VPC ID' },
      formContext: {
        formData: { networkAccountId: '111111111111', region: 'us-east-1' },
      },
    });
    await render(<AwsVpcPicker {...p} />, scaffolderApi);
    await screen.findByText('1 VPC in 111111111111 (us-east-1).');
    expect(scaffolderApi.autocomplete).toHaveBeenCalledWith({
      // The user's Backstage token: the provider checks the user may use the pickers.
      token: 'user-token',
      provider: 'aws-cross-account',
      resource: 'vpcs',
      context: { networkAccountId: '111111111111', region: 'us-east-1' },
    });
    await userEvent.click(screen.getByLabelText(/VPC ID/));
    await userEvent.click(
      await screen.findByText(`${VPC} · shared · 10.20.0.0/16`),
    );
    expect(p.onChange).toHaveBeenLastCalledWith(VPC);
  });

  it('follows ui:options naming other fields', async () => {
    const scaffolderApi = api();
    const p = props({
      uiSchema: {
        'ui:options': { networkAccountIdField: 'hub', regionField: 'where' },
      },
      formContext: { formData: { hub: '333333333333', where: 'eu-west-1' } },
    });
    await render(<AwsVpcPicker {...p} />, scaffolderApi);
    await waitFor(() =>
      expect(scaffolderApi.autocomplete).toHaveBeenCalledWith(
        expect.objectContaining({
          context: { networkAccountId: '333333333333', region: 'eu-west-1' },
        }),
      ),
    );
  });

  it('asks for the account and region first, without calling the backend', async () => {
    const scaffolderApi = api();
    await render(<AwsVpcPicker {...props({})} />, scaffolderApi);
    expect(
      screen.getByText('Choose the network account and region first.'),
    ).toBeInTheDocument();
    await new Promise(r => setTimeout(r, 400));
    expect(scaffolderApi.autocomplete).not.toHaveBeenCalled();
  });

  it('says why the list is missing and still takes a typed ID', async () => {
    const scaffolderApi = api(async () => {
      throw new Error(
        'networkAccountId: account 111111111111 is not configured: add it to aws.accounts',
      );
    });
    const p = props({
      schema: { title: 'VPC ID' },
      formContext: {
        formData: { networkAccountId: '111111111111', region: 'us-east-1' },
      },
    });
    await render(<AwsVpcPicker {...p} />, scaffolderApi);
    await screen.findByText(
      /Could not list the VPCs \(networkAccountId: account 111111111111 is not configured: add it to aws.accounts\); type the ID./,
    );
    await userEvent.type(screen.getByLabelText(/VPC ID/), VPC);
    expect(p.onChange).toHaveBeenLastCalledWith(VPC);
  });

  it("shows a refusal's reason from the response body, not only its status", async () => {
    const scaffolderApi = api(async () => {
      throw Object.assign(new Error('Request failed with 403 Forbidden'), {
        body: {
          error: {
            name: 'NotAllowedError',
            message: "You may not list the network account's VPCs and subnets",
          },
        },
      });
    });
    const p = props({
      schema: { title: 'VPC ID' },
      formContext: {
        formData: { networkAccountId: '111111111111', region: 'us-east-1' },
      },
    });
    await render(<AwsVpcPicker {...p} />, scaffolderApi);
    await screen.findByText(
      "Could not list the VPCs (You may not list the network account's VPCs and subnets); type the ID.",
    );
  });
});

describe('AwsSubnetPicker', () => {
  const formData = {
    networkAccountId: '111111111111',
    region: 'us-east-1',
    vpcId: VPC,
  };

  it('lists the subnets of the chosen tier with their AZ, and adds the ones picked', async () => {
    const scaffolderApi = api(async () => ({ results: PUBLIC }));
    const p = props({
      schema: { title: 'Public subnets for the load balancer' },
      uiSchema: { 'ui:options': { tier: 'public' } },
      formContext: { formData },
      formData: [PUBLIC[0].id],
    });
    await render(<AwsSubnetPicker {...p} />, scaffolderApi);
    await screen.findByText(`2 public subnets in ${VPC}.`);
    expect(scaffolderApi.autocomplete).toHaveBeenCalledWith(
      expect.objectContaining({
        resource: 'public-subnets',
        context: formData,
      }),
    );
    // The chosen subnet shows as a chip with its AZ; the list offers only the other one.
    expect(screen.getByText(PUBLIC[0].title)).toBeInTheDocument();
    // Required shows as an asterisk, not as the browser's check of the (empty) text input,
    // which would refuse a complete choice of chips.
    expect(screen.getByLabelText(/Public subnets/)).not.toBeRequired();
    expect(
      document.querySelector('label .MuiFormLabel-asterisk'),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByLabelText(/Public subnets/));
    await userEvent.click(await screen.findByText(PUBLIC[1].title));
    expect(p.onChange).toHaveBeenLastCalledWith([PUBLIC[0].id, PUBLIC[1].id]);
  });

  it('starts from the empty entries the form puts in an array with minItems', async () => {
    const scaffolderApi = api(async () => ({ results: PUBLIC }));
    const p = props({
      schema: { title: 'Public subnets for the load balancer' },
      uiSchema: { 'ui:options': { tier: 'public' } },
      formContext: { formData },
      formData: [undefined, undefined],
    });
    await render(<AwsSubnetPicker {...p} />, scaffolderApi);
    await screen.findByText(`2 public subnets in ${VPC}.`);
    await userEvent.click(screen.getByLabelText(/Public subnets/));
    await userEvent.click(await screen.findByText(PUBLIC[1].title));
    expect(p.onChange).toHaveBeenLastCalledWith([PUBLIC[1].id]);
  });

  it('asks for the VPC first', async () => {
    const scaffolderApi = api();
    await render(
      <AwsSubnetPicker
        {...props({
          uiSchema: { 'ui:options': { tier: 'private' } },
          formContext: {
            formData: { networkAccountId: '111111111111', region: 'us-east-1' },
          },
        })}
      />,
      scaffolderApi,
    );
    expect(screen.getByText('Choose the VPC first.')).toBeInTheDocument();
    await new Promise(r => setTimeout(r, 400));
    expect(scaffolderApi.autocomplete).not.toHaveBeenCalled();
  });

  it('says when the VPC has no public subnet', async () => {
    const scaffolderApi = api(async () => ({ results: [] }));
    await render(
      <AwsSubnetPicker
        {...props({
          uiSchema: { 'ui:options': { tier: 'public' } },
          formContext: { formData },
        })}
      />,
      scaffolderApi,
    );
    expect(
      await screen.findByText(
        `${VPC} has no public subnet (none routed to an internet gateway).`,
      ),
    ).toBeInTheDocument();
  });
});

describe('AwsHostedZonePicker and AwsHostedZoneName', () => {
  const DNS = '555555555555';
  const ZONES = [
    {
      id: 'Z0AAAAAAAAAAAAAAAAAA1',
      title: 'example.test · Z0AAAAAAAAAAAAAAAAAA1 · 2 records',
    },
    {
      id: 'Z0BBBBBBBBBBBBBBBBBB2',
      title: 'shop.example.test · Z0BBBBBBBBBBBBBBBBBB2 · 5 records',
    },
  ];

  /**
   * The two fields in one form, as the scaffolder's Stepper gives them: each its own value and
   * the whole form's data in formContext.
   */
  function Form(p: { initial: Record<string, string>; seen: any[] }) {
    const [data, setData] = useState<Record<string, string | undefined>>(
      p.initial,
    );
    p.seen.push(data);
    const field = (name: string) =>
      props({
        schema: {
          title:
            name === 'hostedZoneId' ? 'Hosted zone ID' : 'Hosted zone name',
        },
        idSchema: { $id: `root_${name}` },
        formData: data[name],
        formContext: { formData: data },
        onChange: (value: string | undefined) =>
          setData(d => ({ ...d, [name]: value })),
      });
    return (
      <>
        <AwsHostedZonePicker {...field('hostedZoneId')} />
        <AwsHostedZoneName {...field('hostedZoneName')} />
      </>
    );
  }

  it('lists the zones of the account chosen earlier; picking one sets its ID and its name, from one read', async () => {
    const scaffolderApi = api(async () => ({ results: ZONES }));
    const seen: any[] = [];
    await render(
      <Form initial={{ dnsAccountId: DNS }} seen={seen} />,
      scaffolderApi,
    );
    await screen.findByText(`2 public hosted zones in ${DNS}.`);
    await userEvent.click(screen.getByLabelText(/Hosted zone ID/));
    await userEvent.click(await screen.findByText(ZONES[1].title));
    await waitFor(() =>
      expect(seen[seen.length - 1]).toEqual({
        dnsAccountId: DNS,
        hostedZoneId: ZONES[1].id,
        hostedZoneName: 'shop.example.test',
      }),
    );
    // The name came from the list: shown, not editable.
    const name = screen.getByLabelText(/Hosted zone name/) as HTMLInputElement;
    expect(name.value).toBe('shop.example.test');
    expect(name.readOnly).toBe(true);
    expect(
      screen.getByText(`The name of hosted zone ${ZONES[1].id}.`),
    ).toBeInTheDocument();
    // Both fields showed the one list, read once.
    expect(scaffolderApi.autocomplete).toHaveBeenCalledTimes(1);
    expect(scaffolderApi.autocomplete).toHaveBeenCalledWith({
      token: 'user-token',
      provider: 'aws-cross-account',
      resource: 'hosted-zones',
      context: { dnsAccountId: DNS },
    });
  });

  it('sends the region of the form, and follows ui:options naming the account field', async () => {
    const scaffolderApi = api(async () => ({ results: ZONES }));
    const p = props({
      uiSchema: { 'ui:options': { dnsAccountIdField: 'zoneAccount' } },
      formContext: {
        formData: { zoneAccount: DNS, region: 'cn-north-1' },
      },
    });
    await render(<AwsHostedZonePicker {...p} />, scaffolderApi);
    await waitFor(() =>
      expect(scaffolderApi.autocomplete).toHaveBeenCalledWith(
        expect.objectContaining({
          context: { dnsAccountId: DNS, region: 'cn-north-1' },
        }),
      ),
    );
  });

  it('takes a typed zone ID and a typed name when the list cannot be read', async () => {
    const scaffolderApi = api(async () => {
      throw new Error(
        'dnsAccountId: account 555555555555 is not configured: add it to aws.accounts',
      );
    });
    const seen: any[] = [];
    await render(
      <Form initial={{ dnsAccountId: DNS }} seen={seen} />,
      scaffolderApi,
    );
    await screen.findByText(
      /Could not list the hosted zones \(dnsAccountId: account 555555555555 is not configured: add it to aws.accounts\); type the zone ID./,
    );
    await screen.findByText(
      'The hosted zones could not be listed: type the name.',
    );
    await userEvent.type(screen.getByLabelText(/Hosted zone ID/), ZONES[0].id);
    const name = screen.getByLabelText(/Hosted zone name/) as HTMLInputElement;
    expect(name.readOnly).toBe(false);
    await userEvent.type(name, 'example.test');
    await waitFor(() =>
      expect(seen[seen.length - 1]).toEqual({
        dnsAccountId: DNS,
        hostedZoneId: ZONES[0].id,
        hostedZoneName: 'example.test',
      }),
    );
  });

  it('reads nothing before the account is chosen', async () => {
    const scaffolderApi = api(async () => ({ results: ZONES }));
    await render(<Form initial={{}} seen={[]} />, scaffolderApi);
    expect(
      screen.getByText('Choose the account of the hosted zone first.'),
    ).toBeInTheDocument();
    await new Promise(r => setTimeout(r, 400));
    expect(scaffolderApi.autocomplete).not.toHaveBeenCalled();
  });
});
