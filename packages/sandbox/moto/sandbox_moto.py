"""
The sandbox's moto_server: moto 5, plus a few small patches that make a shared VPC behave
the way it does on real AWS, then moto's own server main with the same CLI arguments.

    python3 sandbox_moto.py -H 127.0.0.1 -p 5000

Written against moto 5.2.1. Every patch checks that the moto internals it relies on are
still where it expects them and stops the server with a clear message if they moved (a
silently unpatched sandbox would make tests pass or fail for the wrong reasons). Set
SANDBOX_MOTO_SKIP_VERSION_CHECK=1 to try another moto version anyway.

Gaps closed (each seen against plain moto 5.2.1; src/sandboxMoto.test.ts tests the patched
behaviour through the SDK):

1. RAM-shared subnets are invisible to the participant. On AWS, once an owner shares a
   subnet with an account through RAM, that account's DescribeSubnets returns it (OwnerId =
   the owner, the owner's AZ name and ID, no tags: tags of shared resources are not visible
   to participants) and the shared VPC appears in its DescribeVpcs.
2. A participant cannot reference the owner's security group. On AWS, participants of a
   shared VPC may reference security groups of the owner (or of other participants) in the
   same VPC in their rules (UserIdGroupPairs with the other account's ID).
3. EKS: every cluster gets the same issuer (module constant ISSUER_TEMPLATE, 10 mixed-case
   characters); AWS issues `https://oidc.eks.<region>.amazonaws.com/id/<32 upper-case hex>`,
   unique per cluster. AWS also creates a cluster security group in the cluster's account
   and VPC, reported as resourcesVpcConfig.clusterSecurityGroupId with vpcId; moto has
   neither. The patch creates a real security group in the cluster account's EC2 backend
   (so DescribeSecurityGroups and AuthorizeSecurityGroupIngress work on it) and deletes it
   with the cluster.
4. RAM: moto has no AssociateResourceShare / DisassociateResourceShare and ignores the
   GetResourceShares filters (name, resourceShareArns, resourceShareStatus). Adding subnets
   or principals to an existing share, taking them out (teardown) and finding a share by
   name are what idempotent sharing needs; the patches add them.
5. RAM ignores CreateResourceShare's clientToken. On AWS a retry with the same token and the
   same parameters answers with the share the first call made (the SDK retries a create
   whose answer was lost with the token it sent), and the same token with other parameters
   is refused with IdempotentParameterMismatchException; moto made a second share.
6. RAM drops the tags of CreateResourceShare: GetResourceShares lists no `tags` and ignores
   `tagFilters`, so every share looked like one the project made (its managed-by check passed
   for any share) and the IAM gateway read no `aws:ResourceTag/*` for a share. On AWS each
   share carries its tags and a tag filter returns only the shares with one of its values.
7. Organizations: moto makes members only with CreateAccount (a new, random account ID) and
   has no InviteAccountToOrganization, so an existing account (the sandbox's workload
   account) could never be a member, and its DescribeOrganization always answered
   AWSOrganizationsNotInUseException. The patch adds InviteAccountToOrganization for an
   existing account ID; the sandbox accepts the invitation at once (on AWS the invited
   account accepts the handshake), after which the account's DescribeOrganization answers the
   inviting Organization, as a member's does. RemoveAccountFromOrganization undoes it.
8. ELBv2 CreateLoadBalancer accepts two subnets of one AZ (moto refuses them only in
   SetSubnets). AWS refuses them with InvalidConfigurationRequest: an ALB takes one subnet
   per AZ.
9. ELBv2 ties a target group to a load balancer only in CreateListener/CreateRule and never
   unties it: a rule modified to forward to another group (ModifyRule, ModifyListener) left
   the new group with no load balancer and the old one still listed. On AWS a target
   group's LoadBalancerArns are the load balancers whose listeners or rules forward to it
   now, which is what DescribeTargetGroups(LoadBalancerArn) answers; the Load Balancer
   Controller rewrites rules when an Ingress joins or leaves a group.
10. EC2 DeleteSecurityGroup deletes a group that a load balancer uses or that another group's
   rule references (in any account of a shared VPC). AWS refuses both with
   DependencyViolation ("resource sg-… has a dependent object"): a teardown must revoke the
   node rules that name the ALB's group and wait for the ALB to go before deleting it.
11. ACM issues every requested certificate after a fixed wait (ACM_VALIDATION_WAIT, 60 s)
   whatever DNS holds, and gives every certificate of every account the same validation
   record. On AWS a DNS-validated certificate stays PENDING_VALIDATION until, for each of its
   domain names, the CNAME ACM asked for is found in public DNS, then becomes ISSUED; the
   record's name (`_<32 hex>.<domain>.`) and value (`_<32 hex>.<random>.acm-validations.aws.`)
   are ACM's per account and domain name: a second certificate for the same name in the same
   account gets the same record (it is what lets ACM renew without a person), another account
   or another name a different one, and `*.example.com` shares the record of `example.com`.
   The patch gives each (account, domain) its own record and issues a certificate only once
   every record is in a public Route 53 hosted zone of the domain, in any sandbox account (the
   sandbox has no registrar: every public zone counts as delegated; a private zone never
   does, ACM reads public DNS). A certificate requested without ValidationMethod DNS gets no
   record and stays pending (the sandbox sends no validation e-mail). While pending, a
   certificate has no serial, validity dates or IssuedAt; IssuedAt is when it was issued.
13. A sandbox control, not an AWS gap: there are no pods behind the sandbox's targets, so
   nothing can fail a health check. A target group tagged `sandbox:target-health=unhealthy`
   (AddTags, as the sandbox's administrator) reports its registered targets as ELB reports
   targets that fail their checks: `unhealthy`, `Target.ResponseCodeMismatch`; removing the
   tag makes them healthy again. The stand-in that publishes ALB metrics sets it together with
   the failing metrics, so health and golden signals tell the same story.
12. CloudWatch GetMetricData answers no value for a percentile statistic (p50, p99, p99.9):
   moto computes only Sum, Average, Minimum, Maximum and SampleCount. CloudWatch computes
   percentiles from the values published in each period (PutMetricData Values/Counts);
   ALB dashboards read TargetResponseTime as p50/p99. The patch computes them (nearest
   rank) from the period's values.
14. ACM's InUseBy is wrong for a certificate an ELBv2 listener uses: moto adds the listener's
   ARN when the listener is created and never removes it. On AWS DescribeCertificate lists, in InUseBy, the load balancers whose
   listeners use the certificate (as default or extra certificate), and ACM renews only
   certificates in use. The patch recomputes InUseBy of the account's certificates in the
   region after every listener or load balancer change.
15. WAFv2 associations: moto's AssociateWebACL appends the resource to the web ACL's list
   without looking at the resource or at the web ACL it had, so a second association left the
   ALB in two lists (GetWebACLForResource answered whichever came first) and any ARN, also of
   an ALB that does not exist or was deleted, could be associated. On AWS a resource has at
   most one web ACL and associating another replaces it (what the Load Balancer Controller
   relies on: it calls AssociateWebACL to change an ALB's web ACL,
   pkg/deploy/wafv2/web_acl_association_synthesizer.go), an ALB must exist in the web ACL's
   account and region (WAFNonexistentItemException otherwise, for the association calls and
   GetWebACLForResource alike), and deleting an ALB ends its association. The patch does so
   for ALB ARNs.
"""

from __future__ import annotations

import contextvars
import json
import os
import re
import secrets
import sys
import threading
from typing import Any

WRITTEN_FOR = "5.2.1"


def _fail(message: str) -> None:
    sys.stderr.write(
        f"[sandbox_moto] {message}\n"
        f"[sandbox_moto] These patches were written for moto {WRITTEN_FOR}; "
        f'install it with: pip install "moto[server]=={WRITTEN_FOR}"\n'
    )
    sys.exit(3)


try:
    import moto
    from moto import server as moto_server
    from moto.ec2.exceptions import (
        InvalidSecurityGroupNotFoundError,
        InvalidSubnetIdError,
        InvalidVPCIdError,
    )
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.ec2.models.subnets import SubnetBackend
    from moto.ec2.models.vpcs import VPCBackend
    from moto.eks import models as eks_models
    from moto.ec2.utils import generic_filter
    from moto.ram import urls as ram_urls
    from moto.ram.exceptions import JsonRESTError, UnknownResourceException
    from moto.ram.models import ResourceAccessManagerBackend, ram_backends
    from moto.ram.models import ResourceShare as ResourceShareModel
    from moto.ram.responses import ResourceAccessManagerResponse
    from moto.organizations import models as organizations_models
    from moto.organizations.exceptions import AWSOrganizationsNotInUseException
    from moto.organizations.responses import OrganizationsResponse
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import ELBv2Backend
except ImportError as e:  # pragma: no cover - depends on the installation
    _fail(f"moto is not importable ({e}). The sandbox needs moto with its server extras.")

if moto.__version__ != WRITTEN_FOR and not os.environ.get(
    "SANDBOX_MOTO_SKIP_VERSION_CHECK"
):
    _fail(
        f"found moto {moto.__version__}. Set SANDBOX_MOTO_SKIP_VERSION_CHECK=1 to try the "
        "patches anyway (they still check the internals they touch)."
    )


def _require(owner: Any, *names: str) -> None:
    """Fails loudly if a moto internal a patch relies on is missing."""
    for name in names:
        if not hasattr(owner, name):
            _fail(f"{getattr(owner, '__name__', owner)}.{name} is missing: moto internals moved.")


_require(SubnetBackend, "describe_subnets", "get_subnet")
_require(VPCBackend, "describe_vpcs", "get_vpc")
_require(SecurityGroupBackend, "_add_source_group", "get_security_group_from_id")
_require(eks_models.EKSBackend, "create_cluster", "delete_cluster", "update_cluster_config")
_require(eks_models, "ISSUER_TEMPLATE", "Cluster")
_require(ResourceAccessManagerBackend, "get_resource_shares", "create_resource_share")
_require(ResourceAccessManagerResponse, "get_resource_shares", "dispatch", "_get_param")
_require(ram_urls, "url_paths")
_require(organizations_models.OrganizationsBackend, "describe_organization", "create_account")
_require(organizations_models, "FakeAccount", "organizations_backends")
_require(organizations_models.organizations_backends, "master_accounts")
_require(OrganizationsResponse, "organizations_backend", "request_params")
_require(ELBv2Backend, "create_load_balancer", "ec2_backend")

# ---------------------------------------------------------------------------------------
# RAM: which subnets are shared with an account
# ---------------------------------------------------------------------------------------

_SUBNET_ARN = re.compile(r"^arn:aws[a-z-]*:ec2:([a-z0-9-]+):(\d{12}):subnet/(subnet-[0-9a-f]+)$")


def _principal_covers(principal: str, account_id: str) -> bool:
    if principal == account_id:
        return True
    if principal.startswith(f"arn:aws:iam::{account_id}:"):
        return True
    # An organization or OU principal: the sandbox treats every account as a member
    # (real RAM requires org sharing to be enabled; moto already validates the ARN).
    return principal.startswith("arn:aws:organizations::")


def _subnets_shared_with(account_id: str, region: str) -> list[Any]:
    """Subnet objects (owned by other accounts) shared with account_id in region via RAM."""
    found: dict[str, Any] = {}
    for owner_account in list(ram_backends.keys()):
        if owner_account == account_id:
            continue
        try:
            ram = ram_backends[owner_account][region]
        except KeyError:
            continue
        for share in list(ram.resource_shares):
            if share.status != "ACTIVE":
                continue
            if not any(_principal_covers(p, account_id) for p in share.principals):
                continue
            for arn in share.resource_arns:
                m = _SUBNET_ARN.match(arn)
                if not m or m.group(1) != region or m.group(2) != owner_account:
                    continue
                try:
                    subnet = _orig_get_subnet(ec2_backends[owner_account][region], m.group(3))
                except InvalidSubnetIdError:
                    continue  # deleted since it was shared
                found[subnet.id] = subnet
    return list(found.values())


class _SharedView:
    """
    A participant's view of a resource owned by another account: every attribute is the
    owner's (OwnerId, AZ, CIDR, ...), except tags, which participants cannot see.
    """

    def __init__(self, resource: Any):
        object.__setattr__(self, "_resource", resource)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._resource, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._resource, name, value)

    def get_tags(self) -> list[dict[str, str]]:
        return []

    @property
    def tag_set(self) -> list[dict[str, str]]:
        return []

    @property
    def tag_list(self) -> list[dict[str, str]]:
        return []

    @property
    def tags(self) -> list[dict[str, str]]:
        return []

    def get_filter_value(self, filter_name: str, method_name: str | None = None) -> Any:
        if filter_name.startswith("tag"):
            return None
        return self._resource.get_filter_value(filter_name, method_name)


def _matches(filters: Any, resources: list[Any]) -> list[Any]:
    return generic_filter(filters, resources) if filters else resources


# --- Gap 1a: DescribeSubnets / get_subnet see subnets shared with the caller -------------

_orig_describe_subnets = SubnetBackend.describe_subnets
_orig_get_subnet = SubnetBackend.get_subnet


def _describe_subnets(self: Any, subnet_ids: list[str] | None = None, filters: Any = None) -> list[Any]:
    shared = [
        _SharedView(s) for s in _subnets_shared_with(self.account_id, self.region_name)
    ]
    if not shared:
        return _orig_describe_subnets(self, subnet_ids, filters)
    shared_ids = {s.id for s in shared}
    own_ids = [i for i in subnet_ids or [] if i not in shared_ids]
    if subnet_ids and not own_ids:
        own: list[Any] = []
    else:
        own = _orig_describe_subnets(self, own_ids or None, filters)
    if subnet_ids:
        shared = [s for s in shared if s.id in subnet_ids]
    return own + _matches(filters, shared)


def _get_subnet(self: Any, subnet_id: str) -> Any:
    try:
        return _orig_get_subnet(self, subnet_id)
    except InvalidSubnetIdError:
        for subnet in _subnets_shared_with(self.account_id, self.region_name):
            if subnet.id == subnet_id:
                return subnet
        raise


SubnetBackend.describe_subnets = _describe_subnets  # type: ignore[method-assign]
SubnetBackend.get_subnet = _get_subnet  # type: ignore[method-assign]

# --- Gap 1b: DescribeVpcs sees the VPCs of subnets shared with the caller ----------------

_orig_describe_vpcs = VPCBackend.describe_vpcs
_orig_get_vpc = VPCBackend.get_vpc


def _shared_vpcs(account_id: str, region: str) -> list[Any]:
    vpcs: dict[str, Any] = {}
    for subnet in _subnets_shared_with(account_id, region):
        owner = subnet.ec2_backend
        if subnet.vpc_id in owner.vpcs:
            vpcs[subnet.vpc_id] = owner.vpcs[subnet.vpc_id]
    return list(vpcs.values())


def _describe_vpcs(self: Any, vpc_ids: list[str] | None = None, filters: Any = None) -> list[Any]:
    shared = [_SharedView(v) for v in _shared_vpcs(self.account_id, self.region_name)]
    if not shared:
        return _orig_describe_vpcs(self, vpc_ids, filters)
    shared_ids = {v.id for v in shared}
    own_ids = [i for i in vpc_ids or [] if i not in shared_ids]
    own = [] if vpc_ids and not own_ids else _orig_describe_vpcs(self, own_ids or None, filters)
    if vpc_ids:
        shared = [v for v in shared if v.id in vpc_ids]
    return own + _matches(filters, shared)


def _get_vpc(self: Any, vpc_id: str) -> Any:
    try:
        return _orig_get_vpc(self, vpc_id)
    except InvalidVPCIdError:
        for vpc in _shared_vpcs(self.account_id, self.region_name):
            if vpc.id == vpc_id:
                return vpc
        raise


VPCBackend.describe_vpcs = _describe_vpcs  # type: ignore[method-assign]
VPCBackend.get_vpc = _get_vpc  # type: ignore[method-assign]

# --- Gap 2: a participant may reference the owner's security group in the shared VPC -----

_orig_add_source_group = SecurityGroupBackend._add_source_group
_require(SecurityGroupBackend, "authorize_security_group_ingress", "authorize_security_group_egress")
_orig_authorize_ingress = SecurityGroupBackend.authorize_security_group_ingress
_orig_authorize_egress = SecurityGroupBackend.authorize_security_group_egress

# The VPC of the group whose rules are being changed, for _add_source_group (which moto
# calls without it). A context variable, as the server handles requests in threads.
_target_vpc: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "sandbox_target_vpc", default=None
)


def _vpcs_visible_to(backend: Any) -> set[str]:
    return set(backend.vpcs.keys()) | {
        v.id for v in _shared_vpcs(backend.account_id, backend.region_name)
    }


def _foreign_group_in_shared_vpc(backend: Any, group_id: str) -> Any:
    """
    The security group of another account that backend may reference: in a VPC shared with
    (or owned by) backend, and in the same VPC as the group being changed.
    """
    visible = _vpcs_visible_to(backend)
    target_vpc = _target_vpc.get()
    for account_id in list(ec2_backends.keys()):
        if account_id == backend.account_id:
            continue
        try:
            other = ec2_backends[account_id][backend.region_name]
        except KeyError:
            continue
        group = other.get_security_group_from_id(group_id)
        if group is None or group.vpc_id not in visible:
            continue
        if target_vpc is not None and group.vpc_id != target_vpc:
            continue
        return group
    return None


def _add_source_group(self: Any, source_groups: Any, vpc_id: Any) -> list[Any]:
    local: list[Any] = []
    foreign: list[Any] = []
    for item in source_groups or []:
        group_id = item.get("GroupId")
        if group_id and self.get_security_group_from_id(group_id) is None:
            group = _foreign_group_in_shared_vpc(self, group_id)
            if group is None:
                raise InvalidSecurityGroupNotFoundError(group_id)
            owner = group.ec2_backend.account_id
            if item.get("UserId") not in (None, owner):
                raise InvalidSecurityGroupNotFoundError(group_id)
            item["UserId"] = owner
            item["OwnerId"] = owner
            item.setdefault("VpcId", group.vpc_id)
            foreign.append(item)
        else:
            local.append(item)
    return _orig_add_source_group(self, local, vpc_id) + foreign


def _with_target_vpc(original: Any) -> Any:
    def authorize(self: Any, group_name_or_id: str, *args: Any, **kwargs: Any) -> Any:
        target = self.get_security_group_by_name_or_id(group_name_or_id, kwargs.get("vpc_id"))
        token = _target_vpc.set(target.vpc_id if target is not None else None)
        try:
            return original(self, group_name_or_id, *args, **kwargs)
        finally:
            _target_vpc.reset(token)

    return authorize


SecurityGroupBackend._add_source_group = _add_source_group  # type: ignore[method-assign]
SecurityGroupBackend.authorize_security_group_ingress = _with_target_vpc(_orig_authorize_ingress)  # type: ignore[method-assign]
SecurityGroupBackend.authorize_security_group_egress = _with_target_vpc(_orig_authorize_egress)  # type: ignore[method-assign]

# --- Gap 3: EKS issuer per cluster, cluster security group, vpcId ------------------------

_orig_create_cluster = eks_models.EKSBackend.create_cluster
_orig_delete_cluster = eks_models.EKSBackend.delete_cluster
_orig_update_cluster_config = eks_models.EKSBackend.update_cluster_config

_EKS_SG_DESCRIPTION = (
    "EKS created security group applied to ENI that is attached to EKS Control Plane "
    "master nodes, as well as any managed workloads."
)


def _cluster_vpc_id(ec2: Any, subnet_ids: list[str]) -> str:
    for subnet_id in subnet_ids:
        try:
            return ec2.get_subnet(subnet_id).vpc_id
        except InvalidSubnetIdError:
            continue
    # Subnets unknown to EC2 (tests that invent IDs): fall back to the default VPC.
    default_vpc = getattr(ec2, "default_vpc", None)
    return default_vpc.id if default_vpc is not None else ""


def _create_cluster(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    cluster = _orig_create_cluster(self, name, *args, **kwargs)
    cluster.identity = {
        "oidc": {
            "issuer": f"https://oidc.eks.{self.region_name}.amazonaws.com/id/"
            + secrets.token_hex(16).upper()
        }
    }
    config = dict(cluster.resources_vpc_config or {})
    ec2 = ec2_backends[self.account_id][self.region_name]
    vpc_id = _cluster_vpc_id(ec2, list(config.get("subnetIds") or []))
    group = ec2.create_security_group(
        name=f"eks-cluster-sg-{name}-{secrets.randbelow(10**10):010d}",
        description=_EKS_SG_DESCRIPTION,
        vpc_id=vpc_id,
        tags={
            "Name": f"eks-cluster-sg-{name}",
            "aws:eks:cluster-name": name,
            f"kubernetes.io/cluster/{name}": "owned",
        },
    )
    # As on AWS: members of the cluster security group talk to each other freely.
    try:
        ec2.authorize_security_group_ingress(
            group.id, "-1", None, None, [], source_groups=[{"GroupId": group.id}]
        )
    except Exception:
        pass
    config["clusterSecurityGroupId"] = group.id
    config["vpcId"] = vpc_id
    config.setdefault("securityGroupIds", [])
    config.setdefault("endpointPublicAccess", True)
    config.setdefault("endpointPrivateAccess", False)
    config.setdefault("publicAccessCidrs", ["0.0.0.0/0"])
    cluster.resources_vpc_config = config
    return cluster


def _delete_cluster(self: Any, name: str) -> Any:
    cluster = _orig_delete_cluster(self, name)
    group_id = (cluster.resources_vpc_config or {}).get("clusterSecurityGroupId")
    if group_id:
        ec2 = ec2_backends[self.account_id][self.region_name]
        group = ec2.get_security_group_from_id(group_id)
        if group is not None:
            try:
                ec2.delete_security_group(group_id=group_id)
            except Exception:
                pass  # still referenced; AWS would retry in the background
    return cluster


def _update_cluster_config(self: Any, name: str, resources_vpc_config: Any = None, **kwargs: Any) -> Any:
    kept = {}
    if name in self.clusters and resources_vpc_config:
        old = self.clusters[name].resources_vpc_config or {}
        kept = {k: old[k] for k in ("clusterSecurityGroupId", "vpcId") if k in old}
    result = _orig_update_cluster_config(self, name=name, resources_vpc_config=resources_vpc_config, **kwargs)
    if kept and name in self.clusters:
        self.clusters[name].resources_vpc_config = {**self.clusters[name].resources_vpc_config, **kept}
    return result


eks_models.EKSBackend.create_cluster = _create_cluster  # type: ignore[method-assign]
eks_models.EKSBackend.delete_cluster = _delete_cluster  # type: ignore[method-assign]
eks_models.EKSBackend.update_cluster_config = _update_cluster_config  # type: ignore[method-assign]

# --- Gap 4: RAM AssociateResourceShare / DisassociateResourceShare, GetResourceShares filters


def _share(backend: Any, arn: str) -> Any:
    for share in backend.resource_shares:
        if share.arn == arn and share.status == "ACTIVE":
            return share
    raise UnknownResourceException(f"ResourceShare {arn} could not be found.")


def _association(share: Any, entity: str, kind: str, status: str) -> dict[str, Any]:
    from moto.core.utils import unix_time

    return {
        "resourceShareArn": share.arn,
        "resourceShareName": share.name,
        "associatedEntity": entity,
        "associationType": kind,
        "status": status,
        "creationTime": unix_time(share.creation_time),
        "lastUpdatedTime": unix_time(share.last_updated_time),
        "external": False,
    }


def _associate_resource_share(self: Any, arn: str, principals: list[str], resource_arns: list[str]) -> list[dict[str, Any]]:
    share = _share(self, arn)
    new_principals = [p for p in principals if p not in share.principals]
    new_resources = [r for r in resource_arns if r not in share.resource_arns]
    share.add_principals(new_principals)  # validates, as CreateResourceShare does
    share.add_resources(new_resources)
    return [_association(share, p, "PRINCIPAL", "ASSOCIATED") for p in principals] + [
        _association(share, r, "RESOURCE", "ASSOCIATED") for r in resource_arns
    ]


def _disassociate_resource_share(self: Any, arn: str, principals: list[str], resource_arns: list[str]) -> list[dict[str, Any]]:
    share = _share(self, arn)
    share.principals[:] = [p for p in share.principals if p not in principals]
    share.resource_arns[:] = [r for r in share.resource_arns if r not in resource_arns]
    return [_association(share, p, "PRINCIPAL", "DISASSOCIATED") for p in principals] + [
        _association(share, r, "RESOURCE", "DISASSOCIATED") for r in resource_arns
    ]


ResourceAccessManagerBackend.associate_resource_share = _associate_resource_share  # type: ignore[attr-defined]
ResourceAccessManagerBackend.disassociate_resource_share = _disassociate_resource_share  # type: ignore[attr-defined]


def _associate_response(self: Any) -> str:
    result = self.ram_backend.associate_resource_share(
        self._get_param("resourceShareArn"),
        self._get_param("principals") or [],
        self._get_param("resourceArns") or [],
    )
    return json.dumps({"resourceShareAssociations": result, "clientToken": self._get_param("clientToken")})


def _disassociate_response(self: Any) -> str:
    result = self.ram_backend.disassociate_resource_share(
        self._get_param("resourceShareArn"),
        self._get_param("principals") or [],
        self._get_param("resourceArns") or [],
    )
    return json.dumps({"resourceShareAssociations": result, "clientToken": self._get_param("clientToken")})


ResourceAccessManagerResponse.associate_resource_share = _associate_response  # type: ignore[attr-defined]
ResourceAccessManagerResponse.disassociate_resource_share = _disassociate_response  # type: ignore[attr-defined]
ram_urls.url_paths["{0}/associateresourceshare$"] = ResourceAccessManagerResponse.dispatch
ram_urls.url_paths["{0}/disassociateresourceshare$"] = ResourceAccessManagerResponse.dispatch

_orig_get_resource_shares_response = ResourceAccessManagerResponse.get_resource_shares


def _get_resource_shares_response(self: Any) -> str:
    result = json.loads(_orig_get_resource_shares_response(self))
    name = self._get_param("name")
    arns = self._get_param("resourceShareArns") or []
    status = self._get_param("resourceShareStatus")
    tag_filters = self._get_param("tagFilters") or []
    result["resourceShares"] = [
        s
        for s in result.get("resourceShares", [])
        if (not name or s.get("name") == name)
        and (not arns or s.get("resourceShareArn") in arns)
        and (not status or s.get("status") == status)
        and _matches_tag_filters(s, tag_filters)
    ]
    return json.dumps(result)


ResourceAccessManagerResponse.get_resource_shares = _get_resource_shares_response  # type: ignore[method-assign]


# --- Gap 5: RAM CreateResourceShare honours clientToken

_require(ResourceAccessManagerBackend, "create_resource_share")
_orig_create_resource_share = ResourceAccessManagerBackend.create_resource_share
# (account, region, clientToken) -> (share ARN, the other parameters of that first call)
_share_tokens: dict[tuple[str, str, str], tuple[str, str]] = {}
_share_tokens_lock = threading.Lock()


class _IdempotentParameterMismatch(JsonRESTError):
    code = 400

    def __init__(self, token: str):
        super().__init__(
            "IdempotentParameterMismatchException",
            f"The client token {token} was already used with different parameters.",
        )


def _create_resource_share(self: Any, **kwargs: Any) -> dict[str, Any]:
    token = kwargs.get("clientToken")
    if not token:
        return _orig_create_resource_share(self, **kwargs)
    key = (self.account_id, self.region_name, token)
    parameters = json.dumps(
        {k: v for k, v in kwargs.items() if k != "clientToken"}, sort_keys=True, default=str
    )
    with _share_tokens_lock:
        seen = _share_tokens.get(key)
        if seen is not None:
            arn, first_parameters = seen
            if first_parameters != parameters:
                raise _IdempotentParameterMismatch(token)
            for share in self.resource_shares:
                if share.arn == arn:
                    response = share.describe()
                    response.pop("featureSet", None)
                    return {"resourceShare": response, "clientToken": token}
        result = _orig_create_resource_share(self, **kwargs)
        _share_tokens[key] = (result["resourceShare"]["resourceShareArn"], parameters)
        return {**result, "clientToken": token}


ResourceAccessManagerBackend.create_resource_share = _create_resource_share  # type: ignore[method-assign]


# --- Gap 6: RAM keeps a share's tags, lists them and filters by them

_require(ResourceShareModel, "describe")
_orig_share_describe = ResourceShareModel.describe


def _share_describe(self: Any) -> dict[str, Any]:
    response = _orig_share_describe(self)
    tags = getattr(self, "_sandbox_tags", None)
    if tags:
        response["tags"] = [dict(t) for t in tags]
    return response


ResourceShareModel.describe = _share_describe  # type: ignore[method-assign]

_create_with_token = ResourceAccessManagerBackend.create_resource_share


def _create_resource_share_with_tags(self: Any, **kwargs: Any) -> dict[str, Any]:
    result = _create_with_token(self, **kwargs)
    arn = result["resourceShare"]["resourceShareArn"]
    for share in self.resource_shares:
        if share.arn == arn and not hasattr(share, "_sandbox_tags"):
            share._sandbox_tags = [
                {"key": t.get("key"), "value": t.get("value", "")}
                for t in kwargs.get("tags") or []
            ]
            result["resourceShare"] = {**result["resourceShare"], **(
                {"tags": share._sandbox_tags} if share._sandbox_tags else {}
            )}
    return result


ResourceAccessManagerBackend.create_resource_share = _create_resource_share_with_tags  # type: ignore[method-assign]


def _matches_tag_filters(share: dict[str, Any], tag_filters: list[dict[str, Any]]) -> bool:
    tags = {t["key"]: t.get("value", "") for t in share.get("tags", [])}
    for f in tag_filters:
        key = f.get("tagKey")
        values = f.get("tagValues") or []
        if key not in tags or (values and tags[key] not in values):
            return False
    return True


# --- Gap 7: Organizations: an existing account joins by invitation ------------------------


def _invite_account_to_organization(self: Any, **kwargs: Any) -> dict[str, Any]:
    from moto.core.utils import unix_time

    if self.org is None:
        raise AWSOrganizationsNotInUseException
    target = kwargs.get("Target") or {}
    account_id = str(target.get("Id", ""))
    if target.get("Type") != "ACCOUNT" or not re.fullmatch(r"\d{12}", account_id):
        raise JsonRESTError(
            "InvalidInputException", "Target must be an ACCOUNT with a 12-digit Id"
        )
    members = organizations_models.organizations_backends.master_accounts
    if account_id != self.account_id and account_id not in members:
        account = organizations_models.FakeAccount(
            self.org,
            AccountName=f"account-{account_id}",
            Email=f"{account_id}@sandbox.invalid",
        )
        account.id = account_id
        account.joined_method = "INVITED"
        self.accounts.append(account)
        members[account_id] = (self.account_id, self.partition)
    return {
        "Handshake": {
            "Id": f"h-{secrets.token_hex(8)}",
            "Arn": f"arn:{self.partition}:organizations::{self.account_id}:handshake/{self.org.id}/invite/h-sandbox",
            "Parties": [
                {"Id": self.org.id, "Type": "ORGANIZATION"},
                {"Id": account_id, "Type": "ACCOUNT"},
            ],
            "State": "ACCEPTED",
            "RequestedTimestamp": unix_time(),
            "ExpirationTimestamp": unix_time(),
            "Action": "INVITE",
            "Resources": [],
        }
    }


def _invite_response(self: Any) -> str:
    return json.dumps(
        self.organizations_backend.invite_account_to_organization(**self.request_params)
    )


organizations_models.OrganizationsBackend.invite_account_to_organization = _invite_account_to_organization  # type: ignore[attr-defined]
OrganizationsResponse.invite_account_to_organization = _invite_response  # type: ignore[attr-defined]


# --- Gap 8: an ALB takes one subnet per AZ ---------------------------------------------

_orig_create_load_balancer = ELBv2Backend.create_load_balancer


def _create_load_balancer(self: Any, *args: Any, **kwargs: Any) -> Any:
    subnet_ids = list(kwargs.get("subnet_ids") or (args[2] if len(args) > 2 else []) or [])
    mappings = kwargs.get("subnet_mappings") or (args[3] if len(args) > 3 else None) or []
    subnet_ids += [m["SubnetId"] for m in mappings]
    zones: dict[str, str] = {}
    for subnet_id in subnet_ids:
        try:
            zone = self.ec2_backend.get_subnet(subnet_id).availability_zone
        except Exception:
            continue  # moto's own call says which subnet is unknown
        if zone in zones and zones[zone] != subnet_id:
            raise ELBClientError(
                "InvalidConfigurationRequest",
                "A load balancer cannot be attached to multiple subnets in the same Availability Zone",
            )
        zones[zone] = subnet_id
    return _orig_create_load_balancer(self, *args, **kwargs)


ELBv2Backend.create_load_balancer = _create_load_balancer  # type: ignore[method-assign]


# --- Gap 9: a target group belongs to the load balancers that forward to it now --------

_require(ELBv2Backend, "modify_rule", "delete_rule", "modify_listener", "delete_listener",
         "create_rule", "create_listener", "_get_target_group_arns_from")


def _sync_target_group_load_balancers(backend: Any) -> None:
    # moto_server answers on several threads: another request may add a load balancer,
    # listener or rule while this walks them, so it walks copies (one C call each, under the
    # GIL) instead of the live dictionaries.
    using: dict[str, list[str]] = {}
    for lb_arn, lb in list(backend.load_balancers.items()):
        for listener in list(lb.listeners.values()):
            actions = list(listener.default_actions or [])
            for rule in list(listener.rules.values()):
                actions += list(rule.actions or [])
            for action in actions:
                if action.type != "forward":
                    continue
                for tg_arn in backend._get_target_group_arns_from(action_data=action.data):
                    if lb_arn not in using.setdefault(tg_arn, []):
                        using[tg_arn].append(lb_arn)
    for tg_arn, tg in list(backend.target_groups.items()):
        tg.load_balancer_arns = using.get(tg_arn, [])


def _syncing(name: str) -> None:
    original = getattr(ELBv2Backend, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        _sync_target_group_load_balancers(self)
        return result

    setattr(ELBv2Backend, name, wrapper)


for _name in ("modify_rule", "delete_rule", "modify_listener", "delete_listener",
              "create_rule", "create_listener"):
    _syncing(_name)


# --- Gap 10: a security group in use cannot be deleted ------------------------------------

from moto.ec2.exceptions import DependencyViolationError  # noqa: E402
from moto.elbv2.models import elbv2_backends  # noqa: E402

_require(SecurityGroupBackend, "delete_security_group", "get_security_group_by_name_or_id")
_orig_delete_security_group = SecurityGroupBackend.delete_security_group


def _dependent_of_group(group_id: str, region: str) -> str | None:
    for account_id in list(ec2_backends.keys()):
        try:
            backend = ec2_backends[account_id][region]
        except KeyError:
            continue
        for groups in list(backend.groups.values()):
            for group in list(groups.values()):
                if group.id == group_id:
                    continue
                for rule in list(group.ingress_rules) + list(group.egress_rules):
                    if (getattr(rule, "source_group", None) or {}).get("GroupId") == group_id:
                        return f"a rule of {group.id}"
    for account_id in list(elbv2_backends.keys()):
        try:
            elbv2 = elbv2_backends[account_id][region]
        except KeyError:
            continue
        for lb in list(elbv2.load_balancers.values()):
            if group_id in (lb.security_groups or []):
                return lb.arn
    return None


def _delete_security_group(self: Any, name: str | None = None, group_id: str | None = None) -> Any:
    target = group_id
    if not target and name:
        group = self.get_security_group_by_name_or_id(name)
        target = group.id if group else None
    if target and _dependent_of_group(target, self.region_name):
        raise DependencyViolationError(f"resource {target} has a dependent object")
    return _orig_delete_security_group(self, name=name, group_id=group_id)


SecurityGroupBackend.delete_security_group = _delete_security_group  # type: ignore[method-assign]


# --- Gap 11: ACM issues a DNS-validated certificate once its CNAME is in a public zone ------

from moto.acm.models import AWSCertificateManagerBackend, CertBundle  # noqa: E402
from moto.acm.responses import AWSCertificateManagerResponse  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402
from moto.route53.models import route53_backends  # noqa: E402

_require(CertBundle, "check", "describe", "generate_cert")
_require(AWSCertificateManagerBackend, "request_certificate", "get_certificate")
_require(AWSCertificateManagerResponse, "request_certificate", "acm_backend", "_get_param")

# (account, domain without "*.") -> the CNAME ACM asks for; made on first use, then kept.
_acm_records: dict[tuple[str, str], dict[str, str]] = {}
_acm_records_lock = threading.Lock()


def _acm_base_domain(domain: str) -> str:
    base = domain[2:] if domain.startswith("*.") else domain
    return base.lower().rstrip(".")


def _acm_validation_record(account_id: str, domain: str) -> dict[str, str]:
    base = _acm_base_domain(domain)
    with _acm_records_lock:
        record = _acm_records.get((account_id, base))
        if record is None:
            alphabet = "abcdefghijklmnopqrstuvwxyz"
            label = "".join(secrets.choice(alphabet) for _ in range(10))
            record = {
                "Name": f"_{secrets.token_hex(16)}.{base}.",
                "Type": "CNAME",
                "Value": f"_{secrets.token_hex(16)}.{label}.acm-validations.aws.",
            }
            _acm_records[(account_id, base)] = record
        return record


def _acm_domains(bundle: Any) -> list[str]:
    names = [bundle.common_name]
    try:
        import cryptography.x509

        sans = bundle._cert.extensions.get_extension_for_oid(
            cryptography.x509.OID_SUBJECT_ALTERNATIVE_NAME
        ).value
        names += [str(item.value) for item in sans]
    except Exception:
        pass
    return list(dict.fromkeys(names))


def _dns_has_cname(name: str, value: str) -> bool:
    """Whether a public hosted zone of the name, in any account, holds that CNAME."""
    wanted_name = name.lower().rstrip(".")
    wanted_value = value.lower().rstrip(".")
    for account_id in list(route53_backends.keys()):
        for partition in list(route53_backends[account_id].keys()):
            backend = route53_backends[account_id][partition]
            for zone in list(backend.zones.values()):
                if zone.private_zone:
                    continue
                zone_name = zone.name.lower().rstrip(".")
                if wanted_name != zone_name and not wanted_name.endswith(f".{zone_name}"):
                    continue
                for rrset in list(zone.rrsets):
                    if (
                        rrset.type == "CNAME"
                        and rrset.name.lower().rstrip(".") == wanted_name
                        and any(str(v).lower().rstrip(".") == wanted_value for v in rrset.records)
                    ):
                        return True
    return False


def _acm_validated_domains(bundle: Any) -> set[str]:
    if getattr(bundle, "_sandbox_validation_method", None) != "DNS":
        return set()
    account_id = bundle.arn.split(":")[4]
    done = set()
    for domain in _acm_domains(bundle):
        record = _acm_validation_record(account_id, domain)
        if _dns_has_cname(record["Name"], record["Value"]):
            done.add(domain)
    return done


_orig_cert_check = CertBundle.check


def _cert_check(self: Any) -> None:
    if self.type != "AMAZON_ISSUED" or not hasattr(self, "_sandbox_validation_method"):
        _orig_cert_check(self)
        return
    now = utcnow()
    if self._not_valid_after(self._cert) <= now:
        self.status = "EXPIRED"
        return
    if self.status == "PENDING_VALIDATION":
        domains = _acm_domains(self)
        if domains and _acm_validated_domains(self) >= set(domains):
            self.status = "ISSUED"
            self._sandbox_issued_at = now


_orig_cert_describe = CertBundle.describe


def _cert_describe(self: Any) -> dict[str, Any]:
    result = _orig_cert_describe(self)
    method = getattr(self, "_sandbox_validation_method", None)
    if self.type != "AMAZON_ISSUED" or method is None:
        return result
    from moto.acm.models import datetime_to_epoch

    cert = result["Certificate"]
    account_id = self.arn.split(":")[4]
    validated = _acm_validated_domains(self) if self.status == "PENDING_VALIDATION" else set()
    options = []
    for domain in _acm_domains(self):
        option: dict[str, Any] = {
            "DomainName": domain,
            "ValidationDomain": domain,
            "ValidationMethod": method,
        }
        if self.status == "ISSUED" or domain in validated:
            option["ValidationStatus"] = "SUCCESS"
        else:
            option["ValidationStatus"] = "PENDING_VALIDATION"
        if method == "DNS":
            option["ResourceRecord"] = dict(_acm_validation_record(account_id, domain))
        options.append(option)
    cert["DomainValidationOptions"] = options
    if self.status == "PENDING_VALIDATION":
        for key in ("IssuedAt", "NotBefore", "NotAfter", "Serial"):
            cert.pop(key, None)
    elif getattr(self, "_sandbox_issued_at", None) is not None:
        cert["IssuedAt"] = datetime_to_epoch(self._sandbox_issued_at)
    return result


CertBundle.check = _cert_check  # type: ignore[method-assign]
CertBundle.describe = _cert_describe  # type: ignore[method-assign]

_orig_request_certificate_response = AWSCertificateManagerResponse.request_certificate


def _request_certificate_response(self: Any) -> Any:
    result = _orig_request_certificate_response(self)
    body = result[0] if isinstance(result, tuple) else result
    try:
        arn = json.loads(body).get("CertificateArn")
    except (TypeError, ValueError):
        arn = None
    bundle = self.acm_backend._certificates.get(arn) if arn else None
    if bundle is not None and bundle.type == "AMAZON_ISSUED" and not hasattr(
        bundle, "_sandbox_validation_method"
    ):
        bundle._sandbox_validation_method = (
            "DNS" if self._get_param("ValidationMethod") == "DNS" else "EMAIL"
        )
    return result


AWSCertificateManagerResponse.request_certificate = _request_certificate_response  # type: ignore[method-assign]
# --- Gap 12: percentile statistics in GetMetricData ---------------------------------------

import math  # noqa: E402

from moto.cloudwatch.models import Statistics  # noqa: E402

_require(Statistics, "get_statistics_for_type", "metric_single_values_list")
_orig_statistic = Statistics.get_statistics_for_type
_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$")


def _statistic(self: Any, stat: str) -> Any:
    match = _PERCENTILE.match(stat)
    if not match:
        return _orig_statistic(self, stat)
    values = sorted(self.metric_single_values_list)
    if not values:
        return None
    rank = math.ceil(float(match.group(1)) / 100 * len(values))
    return values[min(len(values), max(rank, 1)) - 1]


Statistics.get_statistics_for_type = _statistic  # type: ignore[method-assign]


# --- 13: a sandbox control to make a target group's targets fail their health checks ------

SANDBOX_HEALTH_TAG = "sandbox:target-health"
_require(ELBv2Backend, "describe_target_health")
_orig_describe_target_health = ELBv2Backend.describe_target_health


def _describe_target_health(self: Any, target_group_arn: str, targets: Any) -> Any:
    statuses = _orig_describe_target_health(self, target_group_arn, targets)
    tags = self.tagging_service.get_tag_dict_for_resource(target_group_arn)
    if tags.get(SANDBOX_HEALTH_TAG) == "unhealthy":
        for status in statuses:
            if status.status == "healthy":
                status.status = "unhealthy"
                status.reason = "Target.ResponseCodeMismatch"
                status.description = "Health checks failed with these codes: [500]"
    return statuses


ELBv2Backend.describe_target_health = _describe_target_health  # type: ignore[method-assign]


# --- Gap 14: ACM's InUseBy lists the ALBs whose listeners use the certificate -------------

from moto.acm.models import acm_backends  # noqa: E402

_require(ELBv2Backend, "add_listener_certificates", "remove_listener_certificates",
         "delete_load_balancer")


def _sync_certificates_in_use(backend: Any) -> None:
    try:
        acm = acm_backends[backend.account_id][backend.region_name]
    except KeyError:
        return
    users: dict[str, list[str]] = {}
    for lb_arn, lb in backend.load_balancers.items():
        for listener in lb.listeners.values():
            for cert_arn in list(listener.certificates or []):
                if lb_arn not in users.setdefault(cert_arn, []):
                    users[cert_arn].append(lb_arn)
    for cert_arn, bundle in acm._certificates.items():
        # Classic ELBs' entries stay; the ELBv2 ones (moto's listener ARNs) follow the listeners.
        others = [u for u in bundle.in_use_by if not re.search(
            r":elasticloadbalancing:[^:]*:[^:]*:(loadbalancer|listener)/(app|net)/", u)]
        bundle.in_use_by = others + users.get(cert_arn, [])


def _certificates_syncing(name: str) -> None:
    original = getattr(ELBv2Backend, name)

    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        _sync_certificates_in_use(self)
        return result

    setattr(ELBv2Backend, name, wrapper)


for _name in ("create_listener", "modify_listener", "delete_listener",
              "add_listener_certificates", "remove_listener_certificates",
              "delete_load_balancer"):
    _certificates_syncing(_name)


# --- Gap 15: WAFv2: one web ACL per ALB, an existing ALB, gone with the ALB ---------------

from moto.wafv2.exceptions import WAFNonexistentItemException  # noqa: E402
from moto.wafv2.models import WAFV2Backend, wafv2_backends  # noqa: E402

_require(WAFV2Backend, "associate_web_acl", "disassociate_web_acl", "get_web_acl_for_resource")
_orig_associate_web_acl = WAFV2Backend.associate_web_acl
_orig_disassociate_web_acl = WAFV2Backend.disassociate_web_acl
_orig_get_web_acl_for_resource = WAFV2Backend.get_web_acl_for_resource
_ALB_ARN = re.compile(r"^arn:[^:]+:elasticloadbalancing:([^:]+):(\d{12}):loadbalancer/app/")


def _require_alb(backend: Any, resource_arn: str) -> None:
    match = _ALB_ARN.match(resource_arn)
    if not match:
        return  # other resource types: moto's own behaviour
    if match.group(1) != backend.region_name or match.group(2) != backend.account_id:
        raise WAFNonexistentItemException()
    try:
        elbv2 = elbv2_backends[backend.account_id][backend.region_name]
    except KeyError:
        raise WAFNonexistentItemException()
    if resource_arn not in elbv2.load_balancers:
        raise WAFNonexistentItemException()


def _drop_web_acl_association(backend: Any, resource_arn: str) -> None:
    for web_acl in list(backend.wacls.values()):
        while resource_arn in web_acl.associated_resources:
            web_acl.associated_resources.remove(resource_arn)


def _associate_web_acl(self: Any, web_acl_arn: str, resource_arn: str) -> None:
    if web_acl_arn not in self.wacls:
        raise WAFNonexistentItemException()
    _require_alb(self, resource_arn)
    _drop_web_acl_association(self, resource_arn)
    _orig_associate_web_acl(self, web_acl_arn, resource_arn)


def _disassociate_web_acl(self: Any, resource_arn: str) -> None:
    _require_alb(self, resource_arn)
    _orig_disassociate_web_acl(self, resource_arn)


def _get_web_acl_for_resource(self: Any, resource_arn: str) -> Any:
    _require_alb(self, resource_arn)
    return _orig_get_web_acl_for_resource(self, resource_arn)


WAFV2Backend.associate_web_acl = _associate_web_acl  # type: ignore[method-assign]
WAFV2Backend.disassociate_web_acl = _disassociate_web_acl  # type: ignore[method-assign]
WAFV2Backend.get_web_acl_for_resource = _get_web_acl_for_resource  # type: ignore[method-assign]

_delete_load_balancer_before_waf = ELBv2Backend.delete_load_balancer


def _delete_load_balancer_and_association(self: Any, arn: str) -> Any:
    result = _delete_load_balancer_before_waf(self, arn)
    try:
        _drop_web_acl_association(wafv2_backends[self.account_id][self.region_name], arn)
    except KeyError:
        pass
    return result


ELBv2Backend.delete_load_balancer = _delete_load_balancer_and_association  # type: ignore[method-assign]


def main() -> None:
    if "--check" in sys.argv[1:]:
        print(f"sandbox_moto: moto {moto.__version__}, patches applied")
        return
    moto_server.main(sys.argv[1:])


if __name__ == "__main__":
    main()
